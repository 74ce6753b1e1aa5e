// receiver.mjs: the OTLP/HTTP JSON receiver of nebtop's tests. It checks
// every request strictly against the OpenTelemetry protocol definitions
// (tests/data/opentelemetry-proto, read with protobuf.js) and the OTLP/HTTP
// JSON encoding of the OTLP specification: field names in lowerCamelCase as
// the .proto files define them and no other, trace and span ids as hex
// (not base64), enums as integers, 64-bit integers as decimal strings (or
// numbers), one member of a oneof at most; and the data model's rules that a
// schema cannot say: a histogram's bucketCounts has one more entry than its
// explicitBounds and adds up to its count, a sum or histogram says its
// aggregation temporality, a span ends after it starts.
//
// node receiver.mjs PROTO_DIR PORT_FILE LOG_FILE [FAIL_FIRST_N [FAIL_STATUS]]
//   listens on 127.0.0.1 (a free port, written to PORT_FILE); appends one
//   JSON line per request to LOG_FILE: {path, status, error?, metrics?,
//   spans?}; answers FAIL_STATUS (503 by default, with Retry-After: 1) to
//   the first FAIL_FIRST_N requests (0 by default), 400 with the reason to
//   an invalid one, 200 {} otherwise.
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

// protobuf.js, vendored in tests/data/protobufjs (no package registry needed)
const here = path.dirname(fileURLToPath(import.meta.url));
const protobuf = createRequire(import.meta.url)(path.join(here, "../../data/protobufjs/protobuf.js"));
protobuf.util.fs = fs; /* the bundle does not find node's fs by itself */

const [protoDir, portFile, logFile, failFirst = "0", failStatus = "503"] = process.argv.slice(2);
const root = new protobuf.Root();
root.resolvePath = (origin, target) => path.join(protoDir, target);
root.loadSync([
  "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
  "opentelemetry/proto/collector/trace/v1/trace_service.proto",
]);
root.resolveAll();
const services = {
  "/v1/metrics": root.lookupType("opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest"),
  "/v1/traces": root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest"),
};
const HEX_IDS = { traceId: 32, spanId: 16, parentSpanId: 16 };
const INT64 = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT32 = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);

function check(value, type, where) {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error(`${where}: a ${type.name} must be a JSON object`);
  const oneofsSeen = {};
  for (const [key, v] of Object.entries(value)) {
    const f = type.fields[key];
    if (!f) throw new Error(`${where}: ${type.name} has no field ${JSON.stringify(key)}`);
    if (f.partOf) {
      if (oneofsSeen[f.partOf.name]) throw new Error(`${where}: two members of oneof ${f.partOf.name}`);
      oneofsSeen[f.partOf.name] = key;
    }
    const at = `${where}.${key}`;
    if (f.repeated) {
      if (!Array.isArray(v)) throw new Error(`${at}: a repeated field must be an array`);
      v.forEach((e, i) => checkScalar(e, f, `${at}[${i}]`));
    } else {
      checkScalar(v, f, at);
    }
  }
}

function checkScalar(v, f, at) {
  const t = f.type;
  if (f.resolvedType instanceof protobuf.Type) return check(v, f.resolvedType, at);
  if (f.resolvedType instanceof protobuf.Enum) {
    if (!Number.isInteger(v)) throw new Error(`${at}: an enum is an integer in OTLP/JSON, not ${JSON.stringify(v)}`);
    if (!Object.values(f.resolvedType.values).includes(v)) throw new Error(`${at}: ${v} is not a ${f.resolvedType.name}`);
    return;
  }
  if (t === "string") {
    if (typeof v !== "string") throw new Error(`${at}: a string expected`);
  } else if (t === "bool") {
    if (typeof v !== "boolean") throw new Error(`${at}: a boolean expected`);
  } else if (t === "double" || t === "float") {
    if (typeof v !== "number" && !["NaN", "Infinity", "-Infinity"].includes(v))
      throw new Error(`${at}: a number expected`);
  } else if (INT64.has(t)) {
    if (!(typeof v === "string" && /^-?[0-9]+$/.test(v)) && !Number.isSafeInteger(v))
      throw new Error(`${at}: a 64-bit integer is a decimal string (or a number), not ${JSON.stringify(v)}`);
    if (t.startsWith("u") || t === "fixed64") if (String(v).startsWith("-")) throw new Error(`${at}: negative`);
  } else if (INT32.has(t)) {
    if (!Number.isInteger(v)) throw new Error(`${at}: an integer expected`);
  } else if (t === "bytes") {
    const n = HEX_IDS[f.name];
    if (n !== undefined) {
      if (typeof v !== "string" || !(v === "" && f.name === "parentSpanId") && !new RegExp(`^[0-9a-fA-F]{${n}}$`).test(v))
        throw new Error(`${at}: ${n} hex digits expected (OTLP/JSON ids are hex, not base64), not ${JSON.stringify(v)}`);
      if (/^0+$/.test(v)) throw new Error(`${at}: an all-zero id is invalid`);
    } else if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
      throw new Error(`${at}: base64 expected`);
    }
  } else {
    throw new Error(`${at}: field type ${t} not handled by the receiver`);
  }
}

function attrs(list) {
  const o = {};
  for (const kv of list || []) {
    const v = kv.value || {};
    o[kv.key] = v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? null;
  }
  return o;
}

// the data model's rules, and what the tests look at
function model(pathname, req) {
  const out = {};
  if (pathname === "/v1/metrics") {
    out.metrics = [];
    for (const rm of req.resourceMetrics || [])
      for (const sm of rm.scopeMetrics || [])
        for (const m of sm.metrics || []) {
          const kind = ["gauge", "sum", "histogram", "exponentialHistogram", "summary"].find((k) => m[k]);
          if (!kind) throw new Error(`metric ${m.name}: no data`);
          const d = m[kind];
          if ((kind === "sum" || kind === "histogram") && ![1, 2].includes(d.aggregationTemporality))
            throw new Error(`metric ${m.name}: aggregationTemporality must be 1 (delta) or 2 (cumulative)`);
          for (const p of d.dataPoints || []) {
            if (!p.timeUnixNano || p.timeUnixNano === "0") throw new Error(`metric ${m.name}: a point without timeUnixNano`);
            if (kind === "histogram") {
              const b = (p.bucketCounts || []).map(Number), e = p.explicitBounds || [];
              if (b.length !== e.length + 1)
                throw new Error(`metric ${m.name}: ${b.length} bucketCounts for ${e.length} explicitBounds`);
              if (b.reduce((x, y) => x + y, 0) !== Number(p.count))
                throw new Error(`metric ${m.name}: bucketCounts add up to ${b.reduce((x, y) => x + y, 0)}, count is ${p.count}`);
              for (let i = 1; i < e.length; i++) if (!(e[i] > e[i - 1])) throw new Error(`metric ${m.name}: explicitBounds not increasing`);
            }
            out.metrics.push({ name: m.name, kind, monotonic: d.isMonotonic ?? null, attributes: attrs(p.attributes),
                               value: p.asInt ?? p.asDouble ?? p.count ?? null, resource: attrs(rm.resource?.attributes) });
          }
        }
  } else {
    out.spans = [];
    for (const rs of req.resourceSpans || [])
      for (const ss of rs.scopeSpans || [])
        for (const s of ss.spans || []) {
          if (BigInt(s.endTimeUnixNano) < BigInt(s.startTimeUnixNano)) throw new Error(`span ${s.name}: ends before it starts`);
          out.spans.push({ traceId: s.traceId.toLowerCase(), spanId: s.spanId.toLowerCase(),
                           parentSpanId: (s.parentSpanId || "").toLowerCase(), name: s.name, kind: s.kind ?? 0,
                           start: s.startTimeUnixNano, end: s.endTimeUnixNano, attributes: attrs(s.attributes),
                           resource: attrs(rs.resource?.attributes) });
        }
  }
  return out;
}

let failsLeft = Number(failFirst);
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const entry = { path: req.url, status: 200 };
    const answer = (status, body, headers = {}) => {
      entry.status = status;
      fs.appendFileSync(logFile, JSON.stringify(entry) + "\n");
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      const type = services[req.url];
      if (req.method !== "POST" || !type) throw Object.assign(new Error(`${req.method} ${req.url}: not an OTLP/HTTP path`), { status: 404 });
      if (!/^application\/json\b/.test(req.headers["content-type"] || ""))
        throw new Error(`Content-Type ${req.headers["content-type"]}: application/json expected`);
      if (failsLeft > 0) {
        failsLeft--;
        return answer(Number(failStatus), { code: 14, message: "the test's planted failure" }, { "Retry-After": "1" });
      }
      let body = Buffer.concat(chunks);
      const req2 = JSON.parse(body.toString("utf8"));
      check(req2, type, type.name);
      Object.assign(entry, model(req.url, req2));
      answer(200, {});
    } catch (e) {
      entry.error = e.message;
      answer(e.status || 400, { code: 3, message: e.message });
    }
  });
});
server.listen(0, "127.0.0.1", () => fs.writeFileSync(portFile, String(server.address().port)));
