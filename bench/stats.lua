-- wrk's figures for bench/load.py, printed when the run ends as one line of JSON
-- (latencies in microseconds). A script may define extra() to add fields of its own.

local function json_number(value)
  return string.format("%.1f", value or 0)
end

function done(summary, latency, requests)
  local errors = summary.errors
  local fields = {
    '"requests": ' .. summary.requests,
    '"duration_us": ' .. summary.duration,
    '"bytes": ' .. summary.bytes,
    string.format(
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
      errors.connect, errors.read, errors.write, errors.status, errors.timeout
    ),
    string.format(
      '"latency_us": {"p50": %s, "p90": %s, "p95": %s, "p99": %s, "mean": %s, "max": %s}',
      json_number(latency:percentile(50)), json_number(latency:percentile(90)),
      json_number(latency:percentile(95)), json_number(latency:percentile(99)),
      json_number(latency.mean), json_number(latency.max)
    ),
  }
  if type(extra) == "function" then
    table.insert(fields, extra())
  end
  io.write("BENCH_JSON {" .. table.concat(fields, ", ") .. "}\n")
end
