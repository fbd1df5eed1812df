-- wrk script: POST a valid WeCom text message, touser spread over the 1000 benchmark users,
-- every body distinct. Counts answers whose errcode is not 0 (printed at the end).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"touser":"u%d","msgtype":"text","agentid":1000002,"text":{"content":"ceiling %d-%d"}}',
    counter % 1000, id, counter)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"errcode":0', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("errcode_not_0 %d\n", total))
end
