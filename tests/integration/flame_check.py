# flame_check.py: checks of nebtop's SVG flame graphs for the integration
# tests, with Python's standard library only.
#   flame_check.py svg SVG FOLDED [STAGE=FUNCTION...]
#       SVG is XML (xml.etree parses it); its frames (<g class="f">) add up
#       to FOLDED: the bottom frame holds every sample, each frame of the
#       stage row holds its stage's samples of FOLDED, every frame's width is
#       its share, the frames resting on a frame hold at most its samples;
#       each FUNCTION is drawn above the frame of STAGE. Prints the stages'
#       samples.
#   flame_check.py diff SVG RED_STAGE BLUE_STAGE
#       a diff flame graph: RED_STAGE's frame and the frames above it that
#       changed by more than 5 points are red, BLUE_STAGE's blue (or, when
#       the optimized run has no sample of it, the key gives the share of the
#       baseline not drawn); titles give both shares.
#   flame_check.py png PNG RGB...
#       the screenshot is not blank: more than 8 distinct colours, and each
#       colour RGB ("r,g,b") covers at least 500 pixels.
#   flame_check.py browser CHROMIUM SVG FUNCTION
#       opens SVG in headless Chromium (DevTools protocol over
#       --remote-debugging-pipe) and uses it as a person would: a click on
#       FUNCTION's frame zooms it to the full width and hides the frames
#       beside it, Escape brings them back, Ctrl-F asks for a term and the
#       share it reports for FUNCTION is the share of its frames' samples.
import fcntl
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib

NS = "{http://www.w3.org/2000/svg}"
ROW = 16
FULL = 1180.0  # the drawing's width less its margins


def frames_of(path):
    root = ET.parse(path).getroot()
    out = []
    for g in root.iter(NS + "g"):
        if g.get("class") != "f":
            continue
        r, t = g.find(NS + "rect"), g.find(NS + "title").text
        out.append({"x": float(r.get("x")), "y": float(r.get("y")), "w": float(r.get("width")),
                    "n": int(g.get("data-samples")), "base": int(g.get("data-base-samples", "0")),
                    "fill": tuple(int(v) for v in re.match(r"rgb\((\d+),(\d+),(\d+)\)", r.get("fill")).groups()),
                    "title": t, "name": t[:t.rindex(" (")]})
    return out


def above(frames, f):
    return [g for g in frames if abs(g["y"] - (f["y"] - ROW)) < 0.5 and g["x"] >= f["x"] - 0.011
            and g["x"] + g["w"] <= f["x"] + f["w"] + 0.011]


def within(frames, f):
    return [g for g in frames if g["y"] < f["y"] and g["x"] >= f["x"] - 0.011 and g["x"] + g["w"] <= f["x"] + f["w"] + 0.011]


def check_svg(svg, folded, wants):
    bad = []
    stages, total = {}, 0
    for ln in open(folded, encoding="utf-8", errors="replace").read().splitlines():
        stack, n = ln.rsplit(" ", 1)
        stages[stack.split(";")[0]] = stages.get(stack.split(";")[0], 0) + int(n)
        total += int(n)
    fr = frames_of(svg)
    if not fr:
        sys.exit("%s: no frames" % svg)
    root = max(fr, key=lambda f: f["y"])
    if root["n"] != total:
        bad.append("the bottom frame holds %d samples, %s holds %d" % (root["n"], folded, total))
    row = above(fr, root)
    drawn = {f["name"]: f["n"] for f in row}
    if drawn != stages:
        bad.append("stage row %s, the folded file's stages %s" % (sorted(drawn.items()), sorted(stages.items())))
    if sum(drawn.values()) != total:
        bad.append("the stage frames add up to %d samples, the profile has %d" % (sum(drawn.values()), total))
    for f in fr:
        if abs(f["w"] - FULL * f["n"] / total) > 0.011:
            bad.append("%s: %.2f px wide for %d of %d samples" % (f["title"], f["w"], f["n"], total))
        s = sum(g["n"] for g in above(fr, f))
        if s > f["n"]:
            bad.append("%s: the frames above hold %d samples" % (f["title"], s))
    for w in wants:
        stage, fn = w.split("=")
        st = [f for f in row if f["name"] == stage]
        if not st or not [g for g in within(fr, st[0]) if g["name"] == fn]:
            bad.append("no frame %s above stage %s" % (fn, stage))
    for b in bad[:15]:
        print("svg:", b, file=sys.stderr)
    if bad:
        sys.exit(1)
    print(" ".join("%s=%d" % kv for kv in sorted(stages.items())))


def colour(f):
    r, g, b = f["fill"]
    return "red" if r > b + 20 else "blue" if b > r + 20 else "neutral"


def check_diff(svg, red, blue):
    fr = frames_of(svg)
    root = max(fr, key=lambda f: f["y"])
    row = above(fr, root)
    bad = []
    for stage, want in ((red, "red"), (blue, "blue")):
        st = [f for f in row if f["name"] == stage]
        if not st and want == "blue":
            # no sample of it left in the optimized run: nothing to draw, and
            # the key gives the share it had in the baseline
            key = "".join(ET.parse(svg).getroot().find(NS + "g[@id='key']").itertext())
            m = re.search(r"frames only in the baseline \(([\d.]+)% of its samples\)", key)
            if not m or float(m.group(1)) < 5:
                bad.append("stage %s is not drawn and the key does not give its share: %r" % (stage, key))
            continue
        if not st:
            bad.append("no frame for stage %s" % stage)
            continue
        for f in [st[0]] + within(fr, st[0]):
            change = 100.0 * f["n"] / root["n"] - 100.0 * f["base"] / root["base"]
            if abs(change) > 5 and colour(f) != want:
                bad.append("%s in stage %s changed %+.1f points and is %s %s, not %s" % (f["name"], stage, change, colour(f), f["fill"], want))
            if not re.search(r"optimized [\d.]+%.*baseline [\d.]+%", f["title"]):
                bad.append("title without both shares: %s" % f["title"])
    for b in bad[:15]:
        print("diff:", b, file=sys.stderr)
    if bad:
        sys.exit(1)


def png_pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s is not a PNG" % path)
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit("%s: PNG of depth %d, colour type %d, interlace %d: not read here" % (path, depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, [tuple(r[i:i + 3]) for r in rows for i in range(0, stride, bpp)]


def check_png(path, wants):
    w, h, px = png_pixels(path)
    counts = {}
    for p in px:
        counts[p] = counts.get(p, 0) + 1
    bad = []
    if len(counts) <= 8:
        bad.append("%dx%d screenshot with %d colours: blank" % (w, h, len(counts)))
    for want in wants:
        c = tuple(int(v) for v in want.split(","))
        n = sum(k for p, k in counts.items() if max(abs(p[i] - c[i]) for i in range(3)) <= 3)
        if n < 500:
            bad.append("colour rgb(%s) covers %d pixels" % (want, n))
    for b in bad:
        print("png:", b, file=sys.stderr)
    if bad:
        sys.exit(1)
    print("%dx%d, %d colours" % (w, h, len(counts)))


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3
    and 4 of the browser, messages ending in NUL)."""

    def __init__(self, chromium, prompt_answer):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        hi = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_r, from_w)]  # above 3 and 4

        def child():
            os.dup2(hi[0], 3)
            os.dup2(hi[1], 4)

        self.profile = tempfile.mkdtemp()
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + self.profile, "--window-size=1200,1000", "--remote-debugging-pipe",
                "about:blank"]
        self.proc = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=child, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for fd in (to_r, from_w, *hi):
            os.close(fd)
        self.w, self.r = to_w, from_r
        self.buf, self.id, self.events, self.session = b"", 0, [], None
        self.prompt_answer = prompt_answer
        self.dialogs = []

    def _read(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.r, 65536)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, timeout=60):
        self.id += 1
        m = {"id": self.id, "method": method, "params": params or {}}
        if session and self.session:
            m["sessionId"] = self.session
        os.write(self.w, json.dumps(m).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            r = self._read(deadline)
            if r.get("id") == self.id:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r.get("result", {})
            if r.get("method") == "Page.javascriptDialogOpening":
                # a prompt blocks the page: answer it at once, as a person would
                self.dialogs.append(r["params"].get("message"))
                self.id += 1
                os.write(self.w, json.dumps({"id": self.id, "sessionId": self.session,
                                             "method": "Page.handleJavaScriptDialog",
                                             "params": {"accept": True, "promptText": self.prompt_answer}}).encode() + b"\0")
            else:
                self.events.append(r)

    def open(self, url):
        t = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        self.session = self.send("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Page.navigate", {"url": url})
        deadline = time.time() + 60
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read(deadline))

    def js(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def click(self, x, y):
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def key(self, key, code, vk, modifiers=0):
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code,
                                                 "windowsVirtualKeyCode": vk, "modifiers": modifiers})

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        subprocess.run(["rm", "-rf", self.profile])


FRAME_JS = """(function (name) {
  var out = [];
  document.querySelectorAll("g.f").forEach(function (g) {
    var t = g.querySelector("title").textContent, r = g.querySelector("rect").getBoundingClientRect();
    out.push({name: t.substring(0, t.lastIndexOf(" (")), n: +g.getAttribute("data-samples"),
              shown: getComputedStyle(g).display !== "none", x: r.left, y: r.top, w: r.width, h: r.height,
              label: g.querySelector("text").textContent});
  });
  return out;
})()"""


def check_browser(chromium, svg, fn):
    b = Browser(chromium, fn)
    bad = []
    try:
        b.open("file://" + os.path.abspath(svg))
        fr = b.js(FRAME_JS)
        total = max(fr, key=lambda f: f["y"])["n"]
        target = max((f for f in fr if f["name"] == fn), key=lambda f: f["w"])
        # the frames wholly left or right of it (by their place in the document)
        outside = [i for i, f in enumerate(fr) if f["x"] + f["w"] <= target["x"] or f["x"] >= target["x"] + target["w"]]
        if not outside:
            bad.append("no frame beside %s to see hidden" % fn)
        b.click(target["x"] + min(target["w"], 40) / 2, target["y"] + target["h"] / 2)
        z = b.js(FRAME_JS)
        zt = [f for f in z if f["name"] == fn and abs(f["y"] - target["y"]) < 1 and f["shown"]]
        if not zt or abs(zt[0]["w"] - FULL) > 1:
            bad.append("after a click on %s it is %s wide, not %.0f" % (fn, zt[0]["w"] if zt else "not", FULL))
        elif zt[0]["label"] != fn:
            bad.append("the zoomed frame's label is %r, not %r" % (zt[0]["label"], fn))
        still = [z[i]["name"] for i in outside if z[i]["shown"]]
        if still:
            bad.append("frames beside the zoomed one still shown: %s" % still[:5])
        if b.js('document.getElementById("reset").getBoundingClientRect().width') <= 0:
            bad.append("no Reset zoom button while zoomed")
        b.key("Escape", "Escape", 27)
        u = b.js(FRAME_JS)
        if sum(1 for f in u if f["shown"]) != len(fr) or any(abs(f["w"] - o["w"]) > 0.05 for f, o in zip(u, fr)):
            bad.append("Escape did not bring back every frame at its width")
        b.key("f", "KeyF", 70, modifiers=2)
        if not b.dialogs:
            bad.append("Ctrl-F asked for nothing")
        text = b.js('document.getElementById("matched").textContent')
        m = re.search(r"([\d.]+)% of samples", text or "")
        # the share of the samples of every stack that holds fn: its frames, nested ones counted once
        spans = sorted((f["x"], f["x"] + f["w"]) for f in fr if f["name"] == fn)
        covered, end = 0.0, -1.0
        for s, e in spans:
            if e > end:
                covered += e - max(s, end)
                end = e
        share = 100 * covered / FULL
        if not m or abs(float(m.group(1)) - share) > 0.15:
            bad.append("the search for %s reports %r, its frames hold %.1f%% of %d samples" % (fn, text, share, total))
        marked = b.js('document.querySelectorAll("g.f.match").length')
        if marked != len(spans):
            bad.append("%d frames marked for %s, %d drawn" % (marked, fn, len(spans)))
        if not bad:
            print("browser: zoom, Escape and Ctrl-F work; the search shows %r" % text)
    finally:
        b.close()
    for x in bad:
        print("browser:", x, file=sys.stderr)
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "svg":
        check_svg(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "diff":
        check_diff(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "png":
        check_png(sys.argv[2], sys.argv[3:])
    elif cmd == "browser":
        check_browser(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command %s" % cmd)
