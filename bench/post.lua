-- Members replying to a topic, for bench/load.py:
--
--   wrk -s bench/post.lua http://127.0.0.1:PORT -- MEMBERS_FILE REPLY_PATH ORIGIN THREADS
--
-- MEMBERS_FILE holds one member a line: the Cookie header of their session (session and
-- CSRF cookies), a tab, their CSRF token. Each request is the next member's reply, as the
-- reply form sends it: CSRF token, a new submission token (a form shown once), the text
-- and its language. Thread n of THREADS takes members n, n + THREADS, n + 2 * THREADS …,
-- so that requests are spread over every member and their rate limits.
-- Answers are counted: 302 (published, sent on to the post), 429 (over a member's posting
-- rate) and anything else.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "stats.lua")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

local members = {}
local path, origin, stride, position
local sent = 0
accepted, refused, other = 0, 0, 0

local TEXT = "Merci+pour+ce+retour+d%27exp%C3%A9rience.+Dans+notre+commune%2C+les+associations+"
  .. "de+la+diaspora+financent+aussi+la+formation+des+jeunes+%3A+comment+avez-vous+"
  .. "associ%C3%A9+les+autorit%C3%A9s+locales+au+suivi+du+projet+%3F+R%C3%A9ponse+n%C2%B0"

local function uuid()
  local digits = {}
  for i = 1, 32 do
    digits[i] = string.format("%x", math.random(0, 15))
  end
  local hex = table.concat(digits)
  return hex:sub(1, 8) .. "-" .. hex:sub(9, 12) .. "-4" .. hex:sub(14, 16) .. "-a"
    .. hex:sub(18, 20) .. "-" .. hex:sub(21, 32)
end

function init(args)
  for line in io.lines(args[1]) do
    local cookie, csrf = line:match("^([^\t]+)\t(%S+)$")
    if cookie then
      table.insert(members, { cookie = cookie, csrf = csrf })
    end
  end
  path, origin, stride = args[2], args[3], tonumber(args[4])
  position = thread_number - stride
  math.randomseed(os.time() * 1000 + thread_number)
end

function request()
  position = position + stride
  local member = members[position % #members + 1]
  sent = sent + 1
  local body = "csrfmiddlewaretoken=" .. member.csrf .. "&submission=" .. uuid()
    .. "&language=fr&body=" .. TEXT .. thread_number .. "-" .. sent
  return wrk.format("POST", path, {
    ["Cookie"] = member.cookie,
    ["Origin"] = origin,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

function response(status, headers, body)
  if status == 302 then
    accepted = accepted + 1
  elseif status == 429 then
    refused = refused + 1
  else
    other = other + 1
  end
end

function extra()
  local totals = { accepted = 0, refused = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  return string.format(
    '"answers": {"accepted": %d, "refused": %d, "other": %d}',
    totals.accepted, totals.refused, totals.other
  )
end
