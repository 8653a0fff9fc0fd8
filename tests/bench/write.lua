-- wrk script of the write-path benchmark: every request ships a different ready-to-ship job
-- (PATCH properties.state = Shipping, the customer's MarkShipping command) through the REST API.
-- Environment: BENCH_TOKEN, BENCH_SUB, BENCH_GROUP, BENCH_PREFIX, BENCH_COUNT.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  nthreads = 0
  count = tonumber(os.getenv("BENCH_COUNT"))
  base = "/subscriptions/" .. os.getenv("BENCH_SUB") .. "/resourceGroups/" .. os.getenv("BENCH_GROUP")
    .. "/providers/Microsoft.ImportExport/jobs/" .. os.getenv("BENCH_PREFIX")
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
    ["Content-Type"] = "application/json",
  }
  body = '{"properties":{"state":"Shipping"}}'
end

function request()
  -- Thread t takes jobs t, t + T, t + 2T, … (T threads): no two requests ever touch the same job.
  local k = tid + n * tonumber(os.getenv("BENCH_THREADS"))
  n = n + 1
  local path = string.format("%s%06d?api-version=2021-01-01", base, k % count)
  return wrk.format("PATCH", path, headers, body)
end
