-- wrk script: POST /api/v1/bookings. Each thread takes its own users and its own slice of
-- (venue, date, slot) so that, in the "distinct" scenario, no two requests want the same slot.
-- Globals set by the runner through the environment:
--   BENCH_TOKENS   file with one bearer token per line
--   BENCH_MODE     "distinct" or "contention"
--   BENCH_VENUES   first and last venue id, "first-last"
--   BENCH_DATES    comma-separated YYYY-MM-DD
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local mode = os.getenv("BENCH_MODE") or "distinct"
local vfirst, vlast = string.match(os.getenv("BENCH_VENUES"), "(%d+)-(%d+)")
vfirst, vlast = tonumber(vfirst), tonumber(vlast)
local dates = {}
for d in string.gmatch(os.getenv("BENCH_DATES"), "[^,]+") do dates[#dates + 1] = d end

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local n = 0
statuses = {} -- global: done() reads it from each thread
function init(args)
  tid = tid or 1
end

local function slot(i)
  -- 30-minute grid from 08:00 to 22:00: 28 slots a day.
  local m = 8 * 60 + (i % 28) * 30
  return string.format("%02d:%02d", math.floor(m / 60), m % 60), string.format("%02d:%02d", math.floor((m + 30) / 60), (m + 30) % 60)
end

function request()
  n = n + 1
  local venues = vlast - vfirst + 1
  local venue, date, s, e
  if mode == "distinct" then
    -- thread tid owns venues congruent to tid modulo 8; every request a new (venue, date, slot)
    local k = n - 1
    local perThreadVenues = math.max(1, math.floor(venues / 8))
    local vi = (k % perThreadVenues) * 8 + (tid - 1) % 8
    k = math.floor(k / perThreadVenues)
    s, e = slot(k % 28)
    date = dates[math.floor((k / 28)) % #dates + 1]
    venue = vfirst + (vi % venues)
  else
    venue = vfirst + (n % math.min(2, venues))
    date = dates[1]
    s, e = slot(n % 2)
  end
  local token = tokens[((tid - 1) * 7 + n) % #tokens + 1]
  local body = string.format('{"venueId":%d,"date":"%s","startTime":"%s","endTime":"%s"}', venue, date, s, e)
  return wrk.format("POST", "/api/v1/bookings",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

-- Answers by status over every thread: the contention scenario must keep its 409 (1002) and 429
-- (1001) answers and gain no 5xx.
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local st = thread:get("statuses")
    for code, n in pairs(st) do total[code] = (total[code] or 0) + n end
  end
  local codes = {}
  for code in pairs(total) do codes[#codes + 1] = code end
  table.sort(codes)
  local parts = {}
  for _, code in ipairs(codes) do parts[#parts + 1] = code .. " x " .. total[code] end
  io.write("answers by status: " .. table.concat(parts, ", ") .. "\n")
end
