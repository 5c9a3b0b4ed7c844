-- Each request asks for its page with a parameter of its own (bench=<thread>-<n>), so that
-- no answer can come from the page cache: the cost of rendering the page, for
-- bench/load.py. The page's own parameters are kept.
--
--   wrk -s bench/render.lua http://127.0.0.1:PORT/fr/projects/?page=2

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "stats.lua")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local sent = 0

function request()
  sent = sent + 1
  local separator = wrk.path:find("?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. separator .. "bench=" .. thread_number .. "-" .. sent)
end
