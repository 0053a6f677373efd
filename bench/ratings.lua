-- wrk script: POST a realistic kiosk rating with a fresh id each time (time-ordered, as the kiosk makes them),
-- and count answers by status.
-- Environment: BENCH_TOKEN (kiosk device token), BENCH_PATH (default /api/v1/ratings), BENCH_IDS (a file to
-- write the id of every rating acknowledged with 201, one per line, so that each can be looked up afterwards).
local token = os.getenv("BENCH_TOKEN")
local ids_file = os.getenv("BENCH_IDS")
local path = os.getenv("BENCH_PATH") or "/api/v1/ratings"
local threads = {}
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + (id or 0) * 7919)
  statuses = {}
  acked = {}
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

local hex = "0123456789abcdef"
-- Ids as the kiosk makes them: time-ordered (UUID version 7), the first 48 bits being the moment in milliseconds.
-- wrk's Lua has whole seconds only, so ids of one second share their time bits and fall in random order within it
-- (the kiosk's own ids, a millisecond apart, are more ordered than these).
local function uuid7()
  local ms = os.time() * 1000
  local out = { string.format("%04x%08x", math.floor(ms / 4294967296), ms % 4294967296) }
  for i = 13, 32 do
    local r = math.random(1, 16)
    if i == 13 then r = 8 end            -- version 7
    if i == 17 then r = 9 + (r % 4) end  -- variant 10xx
    out[#out + 1] = hex:sub(r, r)
  end
  local s = table.concat(out)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end

-- A realistic mix: mostly very satisfied or satisfied, 4% at the two lowest levels (2 of these 50), each of
-- which opens a flag for the staff member and supervisor. The seeds report 98-99% satisfied, so this exercises
-- the flag path more than a real centre would.
local levels = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 5, 4,
                 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 2, 1 }
local reasons = { '["fast","friendly"]', '["clear_guidance"]', '[]', '["convenient"]', '["fast"]' }

function request()
  counter = counter + 1
  local level = levels[(counter % #levels) + 1]
  -- tapped up to a minute before it is sent, as by a kiosk online: a time the server believes (a fixed date would
  -- turn, days later, into back-dated ratings and an integrity finding each)
  local tapped = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - counter % 60)
  local body = string.format(
    '{"id":"%s","overall":%d,"reasons":%s,"answers":{"staff_attitude":5,"one_stop":0},' ..
    '"comment":null,"language":"vi","submitted_at":"%s"}',
    uuid7(), level, level >= 4 and reasons[(counter % 5) + 1] or '["long_wait"]', tapped)
  return wrk.format(nil, path, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 and ids_file then
    acked[#acked + 1] = body:match('"id":"([0-9a-f%-]+)"')
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local st = thread:get("statuses")
    for code, n in pairs(st) do totals[code] = (totals[code] or 0) + n end
  end
  if ids_file then
    local out = assert(io.open(ids_file, "w"))
    for _, thread in ipairs(threads) do
      for _, id in ipairs(thread:get("acked")) do out:write(id, "\n") end
    end
    out:close()
  end
  local parts = {}
  for code, n in pairs(totals) do parts[#parts + 1] = string.format('"%d":%d', code, n) end
  -- the latency at each whole percent, then at each tenth from 99.1 to 99.9, then the slowest: enough for the
  -- benchmark to work out the percentiles of several runs taken together
  local points = {}
  for p = 1, 99 do points[#points + 1] = string.format("%d", latency:percentile(p)) end
  for j = 1, 9 do points[#points + 1] = string.format("%d", latency:percentile(99 + j / 10)) end
  points[#points + 1] = string.format("%d", latency.max)
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"statuses":{%s},' ..
    '"latency_us":[%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ","), table.concat(points, ",")))
end
