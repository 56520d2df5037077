-- Fluent Bit Lua filter: call = cb_redact. Fails closed: never raises; on an internal error the
-- record is replaced by { log = "[REDACTION_ERROR]", _svcspec_redaction_error = true, kubernetes = <names> }.
-- svcspec's generators/fluentbit/redact.lua with the spec's data in its data section: the detectors
-- below, field actions, HMAC-SHA256 and the callback are the same for every spec. Each detector has
-- a line-for-line TypeScript twin (the test oracle); the tests run both on the same records.
-- Only the Lua 5.1 / LuaJIT 2.1 common subset: no goto, no table.unpack, no //, no require.
local bit = bit
local band, bor, bxor, bnot, rshift, lshift, ror, tobit = bit.band, bit.bor, bit.bxor, bit.bnot, bit.rshift, bit.lshift, bit.ror, bit.tobit
local byte, char, sub, find, lower, format, gsub, rep = string.byte, string.char, string.sub, string.find, string.lower, string.format, string.gsub, string.rep
local concat = table.concat
local type, pcall, rawget, floor, tonumber = type, pcall, rawget, math.floor, tonumber
-- Tables are walked with each(t), never with a name the parser knows as pairs or next: those loops
-- get LuaJIT's ITERN specialisation, and LuaJIT 2.1 builds of early 2022 (Debian bookworm's among
-- them) end a nested ITERN loop early once the JIT blacklists it (LuaJIT issue #827). Here that
-- would leave the rest of a record unscanned: a leak. Plain ITERC loops over next are unaffected.
local each = pairs

local MAX_LEN = 32768
local MAX_DEPTH = 64
local SKIP_TOP = { kubernetes = true, stream = true, time = true, _p = true }

-- data ------------------------------------------------------------------------------------------
-- LOG_JSON_MAX_DEPTH: how deep a log line's JSON object may nest (see merge_log below).
-- TOKEN: what replaces a match of each built-in detector. IBAN_LENGTHS: "AD24 AE23 ...", five bytes
-- per country. SERVICES, DEFAULT_POLICY: the Organization's default detectors and sensitive keys
-- apply to every record; a service matched by namespace and all its selector labels adds its own
-- detectors (by name, in redaction order), sensitive keys (normalised: see sensitive_key), field
-- actions and patterns (each alternative of a custom pattern: { replace = text, anchor_start = ^,
-- anchor_end = $, literal = bytes every match contains or false, pieces = { { ranges, min, max } or
-- { boundary = true }, ... } }, ranges being pairs of first and last byte, max -1 for no bound; see
-- "custom patterns" below). In svcspec's source file they are empty tables between a DATA and an
-- END marker line (valid Lua for the linter; run as it is, the file stops at load for want of
-- tokens), which svcspec replaces with the spec's.
--@@DATA@@
local LOG_JSON_MAX_DEPTH = 0
local TOKEN = {}
local IBAN_LENGTHS = ""
local SERVICES = {}
local DEFAULT_POLICY = { selector = {}, detectors = {}, sensitive = {}, fields = {}, patterns = {} }
--@@END@@

-- byte classes --------------------------------------------------------------------------------
-- byte class tables hold false for 1..255 so that lookups hit the array part, not the hash
local function new_cls()
  local t = {}
  for c = 1, 255 do t[c] = false end
  return t
end
local function set_of(chars, t)
  t = t or new_cls()
  for i = 1, #chars do t[byte(chars, i)] = true end
  return t
end
local function range(t, a, b) for c = byte(a), byte(b) do t[c] = true end return t end
local DIGIT = range(new_cls(), "0", "9")
local ALPHA = range(range(new_cls(), "A", "Z"), "a", "z")
local ALNUM = range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9")
local WORD = set_of("_", range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9"))
local UPDIG = range(range(new_cls(), "A", "Z"), "0", "9")
local HEX = range(range(range(new_cls(), "A", "F"), "a", "f"), "0", "9")
local B64U = set_of("-_", range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9"))
local ALNUMDASH = set_of("-", range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9"))
local TOKCH = set_of("-._~+/=", range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9"))
local SCHEME = set_of("+.-", range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9"))
-- e-mail classes take every byte >= 0x80 (UTF-8 local parts and domains); CONT: UTF-8 continuation bytes
local LOCAL = set_of("._%+-'_", range(range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9"), "\128", "\255"))
local DOMAIN = set_of(".-", range(range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9"), "\128", "\255"))
local TLD = range(range(range(new_cls(), "A", "Z"), "a", "z"), "\128", "\255")
local CONT = range(new_cls(), "\128", "\191")
local USERSTOP = set_of("/?#\"'<>\\[] \t\r\n")
local VALSTOP = set_of(" \t\r\n\"',;&})<>")
VALSTOP[0] = true
local EXT = { png = true, jpg = true, jpeg = true, gif = true, svg = true, webp = true, ico = true, css = true, js = true }

local function at(s, i)
  if i < 1 then return 0 end
  return byte(s, i) or 0
end
local function lower_byte(c)
  if c >= 65 and c <= 90 then return c + 32 end
  return c
end

-- splice and joined: every detector's output as pieces; splice puts token in place of s[a..] after
-- the text since last (out is created at the first match, so a string without one costs nothing),
-- joined closes the pieces, or returns s untouched when nothing matched.
local function splice(out, n, s, last, a, token)
  out = out or {}
  out[n + 1] = sub(s, last, a - 1)
  out[n + 2] = token
  return out, n + 2
end
local function joined(s, out, n, last)
  if not out then return s end
  out[n + 1] = sub(s, last)
  return concat(out)
end

-- run: finds candidates with string.find(hay, pat, i, plain) and replaces the span [a, b] that
-- match(s, p, last) returns with token; on no match, match may return nil, next_i.
local function run(s, hay, pat, plain, match, token)
  local i, last, out, n, len = 1, 1, nil, 0, #s
  while i <= len do
    local p = find(hay, pat, i, plain)
    if not p then break end
    local a, b = match(s, p, last)
    if a then
      out, n = splice(out, n, s, last, a, token)
      last, i = b + 1, b + 1
    else
      i = b or (p + 1)
    end
  end
  return joined(s, out, n, last)
end

-- run_anchor: run with the candidates of the literal `prefix`, found through its part `anchor` at
-- `off` bytes into it: the same candidates in the same order, but memchr stops only at the
-- anchor's first byte (the 'J' of "eyJ" is rare in logs, its 'e' is everywhere).
local function run_anchor(s, prefix, anchor, off, match, token)
  local i, last, out, n, len, plen = 1, 1, nil, 0, #s, #prefix
  while i <= len do
    local q = find(s, anchor, i + off, true)
    if not q then break end
    local p = q - off
    if sub(s, p, p + plen - 1) == prefix then
      local a, b = match(s, p, last)
      if a then
        out, n = splice(out, n, s, last, a, token)
        last, i = b + 1, b + 1
      else
        i = b or (p + 1)
      end
    else
      i = p + 1
    end
  end
  return joined(s, out, n, last)
end

local UPPER = range(new_cls(), "A", "Z")

-- digit runs: the maximal runs of digits of one string, RS[i]..RE[i] for i = 1..RN, found by one
-- flat byte loop and shared by the IBAN, card, SSN, phone and IPv4 detectors (kept until the string
-- changes). Their matchers compare run bounds instead of rescanning digits byte by byte: no short
-- inner loops, which LuaJIT's trace compiler blacklists (falling back to the interpreter).
-- The byte loop has no branch: it lists the positions where digits start or stop (DR_T), and a
-- byte that is neither writes to the spare slot DR_T[0]. Its time per byte is the same for text,
-- digits and "1 1 1 ..."; a branchy loop takes a side exit at every run, and its speed depends on
-- the shape it was first compiled for (true and false even count as two types to LuaJIT).
local DIGIT01 = {}
for c = 0, 255 do DIGIT01[c] = 0 end
for c = 48, 57 do DIGIT01[c] = 1 end
local DR_S, RN, RS, RE, DR_T = nil, 0, {}, {}, { [0] = 0 }
local DIGIT_CHAR = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }
local function digit_runs(s)
  if DR_S == s then return RN end
  -- the loop starts at the first digit (ten memchr calls): text without digits costs no loop
  local first = nil
  for d = 1, 10 do
    local p = find(s, DIGIT_CHAR[d], 1, true)
    if p and (not first or p < first) then first = p end
  end
  local t, k, prev, len = DR_T, 0, 0, #s
  if first then
    local i = first
    -- four bytes a step; the same branch-free update for each
    while i + 3 <= len do
      local b1, b2, b3, b4 = byte(s, i, i + 3)
      local d1, d2, d3, d4 = DIGIT01[b1], DIGIT01[b2], DIGIT01[b3], DIGIT01[b4]
      local x = d1 + prev - 2 * d1 * prev
      k = k + x
      t[k * x] = i
      x = d2 + d1 - 2 * d2 * d1
      k = k + x
      t[k * x] = i + 1
      x = d3 + d2 - 2 * d3 * d2
      k = k + x
      t[k * x] = i + 2
      x = d4 + d3 - 2 * d4 * d3
      k = k + x
      t[k * x] = i + 3
      prev = d4
      i = i + 4
    end
    for j = i, len do
      local d = DIGIT01[byte(s, j)]
      local x = d + prev - 2 * d * prev
      k = k + x
      t[k * x] = j
      prev = d
    end
  end
  t[k + 1] = len + 1
  local n = 0
  for j = 1, k, 2 do
    n = n + 1
    RS[n] = t[j]
    RE[n] = t[j + 1] - 1
  end
  DR_S, RN = s, n
  return n
end

-- The digit-run detectors replace whole runs by tokens without digits: the runs of the result are
-- those of s outside the replaced spans, moved. splice_span records each span; joined_runs joins
-- and moves the runs, so the next digit-run detector does not rescan the string.
local SPA, SPB, SPN = {}, {}, 0
local function splice_span(out, n, s, last, a, b, token)
  SPN = SPN + 1
  SPA[SPN], SPB[SPN] = a, b
  return splice(out, n, s, last, a, token)
end
local function joined_runs(s, out, n, last, token)
  if not out then
    SPN = 0
    return s
  end
  local r = joined(s, out, n, last)
  if DR_S == s and not find(token, "%d") then
    local m, sp, shift, tl = 0, 1, 0, #token
    for i = 1, RN do
      local a, b = RS[i], RE[i]
      while sp <= SPN and SPB[sp] < a do
        shift = shift + tl - (SPB[sp] - SPA[sp] + 1)
        sp = sp + 1
      end
      -- inside span sp (it holds whole runs): gone
      if not (sp <= SPN and SPA[sp] <= a) then
        m = m + 1
        RS[m], RE[m] = a + shift, b + shift
      end
    end
    DR_S, RN = r, m
  else
    DR_S = nil
  end
  SPN = 0
  return r
end

-- run_runs: run with the digit runs as candidates: match(s, r, last) gets each run r that starts at
-- or after the end of the last match or skip (a digit inside a run follows a digit, and no digit
-- detector starts there); on no match, match may return nil, next_i.
local function run_runs(s, match, token)
  local nr = digit_runs(s)
  SPN = 0
  local from, last, out, n = 1, 1, nil, 0
  for r = 1, nr do
    if RS[r] >= from then
      local a, b = match(s, r, last)
      if a then
        out, n = splice_span(out, n, s, last, a, b, token)
        last, from = b + 1, b + 1
      elseif b then
        from = b
      end
    end
  end
  return joined_runs(s, out, n, last, token)
end

-- detectors -------------------------------------------------------------------------------------
local function d_private_key(s)
  if not find(s, "-----BEGIN ", 1, true) then return s end
  local out, n, last, i = nil, 0, 1, 1
  while true do
    local p = find(s, "-----BEGIN ", i, true)
    if not p then break end
    local q = find(s, "PRIVATE KEY-----", p + 11, true)
    if q and q - p <= 40 then
      local stop = #s
      local e = find(s, "-----END ", q + 16, true)
      if e then
        local f = find(s, "-----", e + 9, true)
        if f then stop = f + 4 end
      end
      out, n = splice(out, n, s, last, p, TOKEN.private_key)
      last, i = stop + 1, stop + 1
    else
      i = p + 1
    end
  end
  return joined(s, out, n, last)
end

local function seg_end(s, i)
  while B64U[at(s, i)] do i = i + 1 end
  return i
end
local function m_jwt(s, p)
  if B64U[at(s, p - 1)] then return nil end
  local e1 = seg_end(s, p)
  if at(s, e1) ~= 46 or sub(s, e1 + 1, e1 + 3) ~= "eyJ" then return nil end
  local e2 = seg_end(s, e1 + 1)
  if at(s, e2) ~= 46 then return nil end
  local e3 = seg_end(s, e2 + 1)
  return p, e3 - 1
end
local function d_jwt(s) return run_anchor(s, "eyJ", "J", 2, m_jwt, TOKEN.jwt) end

local function m_bearer(s, p)
  if ALPHA[at(s, p - 1)] then return nil end
  local j = p + 6
  local c = at(s, j)
  if c ~= 32 and c ~= 9 then return nil end
  while at(s, j) == 32 or at(s, j) == 9 do j = j + 1 end
  local k = j
  while TOKCH[at(s, k)] do k = k + 1 end
  if k - j < 8 then return nil end
  return j, k - 1
end
-- "bearer" in any case: its candidates from the b's and B's (memchr), compared a byte at a time
-- (the same candidates a search of lower(s) finds, without lowering the whole string)
local function bearer_at(s, p)
  return lower_byte(at(s, p + 1)) == 101 and lower_byte(at(s, p + 2)) == 97 and lower_byte(at(s, p + 3)) == 114 and lower_byte(at(s, p + 4)) == 101 and lower_byte(at(s, p + 5)) == 114
end
local function d_bearer_token(s)
  local pb, pB = find(s, "b", 1, true), find(s, "B", 1, true)
  if not (pb or pB) then return s end
  local last, out, n = 1, nil, 0
  while pb or pB do
    local p = pb
    if not pb or (pB and pB < pb) then p = pB end
    local i = p + 1
    if bearer_at(s, p) then
      local a, b = m_bearer(s, p)
      if a then
        out, n = splice(out, n, s, last, a, TOKEN.bearer_token)
        last, i = b + 1, b + 1
      end
    end
    if pb and pb < i then pb = find(s, "b", i, true) end
    if pB and pB < i then pB = find(s, "B", i, true) end
  end
  return joined(s, out, n, last)
end

local function m_dburl(s, p)
  if not SCHEME[at(s, p - 1)] then return nil end
  local j, colon = p + 3, nil
  while true do
    local c = at(s, j)
    if c == 64 then break end
    -- a raw '#' in the password (after the colon) is part of it, not a fragment
    if c == 0 or (USERSTOP[c] and not (c == 35 and colon)) or j - p > 512 then return nil end
    if c == 58 and not colon then colon = j end
    j = j + 1
  end
  if not colon or j - colon < 2 then return nil end
  return colon + 1, j - 1
end
local function d_database_url(s) return run(s, s, "://", true, m_dburl, TOKEN.database_url) end

-- secret_kv: a keyword (any case, not right after a letter or digit), an optional quote, spaces,
-- then '=' or ':' and a value. Found from the separators (two plain finds move through the string),
-- looking back for a keyword: a line with no '=' or ':' costs two memchr calls.
local KV_KEYWORDS = { "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "api-key", "access_key" }
-- the keywords by their last letter: { keyword, its length, its last but one letter }
local KV_BY_LAST = {}
for i = 1, #KV_KEYWORDS do
  local kw = KV_KEYWORDS[i]
  local c = byte(kw, #kw)
  KV_BY_LAST[c] = KV_BY_LAST[c] or {}
  KV_BY_LAST[c][#KV_BY_LAST[c] + 1] = { kw, #kw, byte(kw, #kw - 1) }
end
-- the start of the keyword that ends at e, or nil (the last two letters first: no substring for
-- the separators of ordinary words)
local function kv_keyword(s, e)
  local list = KV_BY_LAST[lower_byte(at(s, e))]
  if not list then return nil end
  local c2 = lower_byte(at(s, e - 1))
  for i = 1, #list do
    local def = list[i]
    local a = e - def[2] + 1
    if def[3] == c2 and a >= 1 and lower(sub(s, a, e)) == def[1] and not ALNUM[at(s, a - 1)] then return a end
  end
  return nil
end
-- the bounds of the value after the separator c at j - 1 (spaced: spaces before the separator)
local function kv_value(s, j, c, spaced)
  -- "key: value" and "key = value" may space the value; "key= value" is an empty value
  if c == 58 or spaced then
    while at(s, j) == 32 do j = j + 1 end
  end
  local q = at(s, j)
  local k
  if q == 34 or q == 39 then
    j = j + 1
    k = j
    while at(s, k) ~= q and at(s, k) ~= 0 do k = k + 1 end
  else
    k = j
    while not VALSTOP[at(s, k)] do k = k + 1 end
  end
  if k == j or sub(s, j, k - 1) == "null" then return nil end
  return j, k - 1
end
local function d_secret_kv(s)
  local eq, co = find(s, "=", 1, true), find(s, ":", 1, true)
  if not (eq or co) then return s end
  local out, n, last = nil, 0, 1
  while eq or co do
    local j = eq
    if not eq or (co and co < eq) then j = co end
    -- back from the separator: spaces, an optional quote, the keyword
    local k = j - 1
    while at(s, k) == 32 do k = k - 1 end
    local spaced = k < j - 1
    local q = at(s, k)
    if q == 34 or q == 39 then k = k - 1 end
    local p = kv_keyword(s, k)
    local from = j + 1
    if p and p >= last then
      local a, b = kv_value(s, j + 1, byte(s, j), spaced)
      if a then
        out, n = splice(out, n, s, last, a, TOKEN.secret_kv)
        last, from = b + 1, b + 1
      end
    end
    if eq and eq < from then eq = find(s, "=", from, true) end
    if co and co < from then co = find(s, ":", from, true) end
  end
  return joined(s, out, n, last)
end

-- { prefix, class, min, max, anchor, its offset in the prefix, the byte every candidate has }
local API_PREFIXES = {
  { "sk_live_", ALNUM, 10, 255, "_live_", 2, "_" }, { "sk_test_", ALNUM, 10, 255, "_test_", 2, "_" }, { "rk_live_", ALNUM, 10, 255, "_live_", 2, "_" },
  { "AKIA", UPDIG, 16, 16, "KIA", 1, "A" }, { "ASIA", UPDIG, 16, 16, "SIA", 1, "A" },
  { "ghp_", ALNUM, 30, 255, "_", 3, "_" }, { "gho_", ALNUM, 30, 255, "_", 3, "_" }, { "ghs_", ALNUM, 30, 255, "_", 3, "_" }, { "ghu_", ALNUM, 30, 255, "_", 3, "_" },
  { "github_pat_", WORD, 20, 255, "_pat_", 6, "_" },
  { "xoxb-", ALNUMDASH, 10, 255, "xoxb-", 0, "-" }, { "xoxp-", ALNUMDASH, 10, 255, "xoxp-", 0, "-" }, { "xoxa-", ALNUMDASH, 10, 255, "xoxa-", 0, "-" }, { "xoxr-", ALNUMDASH, 10, 255, "xoxr-", 0, "-" },
  { "AIza", B64U, 35, 35, "Iza", 1, "A" }, { "glpat-", B64U, 20, 64, "pat-", 2, "-" }, { "sk-", B64U, 20, 255, "k-", 1, "-" },
}
local function api_matcher(def)
  local plen, cls, min, max = #def[1], def[2], def[3], def[4]
  -- the end of the last class run scanned: a later candidate inside it ends at the same place,
  -- so overlapping prefixes ("sk-sk-sk-...") are not rescanned (linear, not quadratic)
  local rs, rf, re = nil, 0, 0
  return function(s, p)
    if ALNUM[at(s, p - 1)] then return nil end
    local k = p + plen
    if rs == s and k >= rf and k <= re then
      k = re
    else
      local from = k
      while cls[at(s, k)] do k = k + 1 end
      rs, rf, re = s, from, k
    end
    local n = k - (p + plen)
    if n < min or n > max then return nil end
    return p, k - 1
  end
end
local API_MATCHERS = {}
for i = 1, #API_PREFIXES do API_MATCHERS[i] = api_matcher(API_PREFIXES[i]) end
local function d_api_key(s)
  -- every prefix has a '_', a '-' or an 'A': three memchr calls rule most lines out
  local us, dash, cap = find(s, "_", 1, true), find(s, "-", 1, true), find(s, "A", 1, true)
  if not (us or dash or cap) then return s end
  for i = 1, #API_PREFIXES do
    local def = API_PREFIXES[i]
    local g = def[7]
    if ((g == "_" and us) or (g == "-" and dash) or (g == "A" and cap)) and find(s, def[5], 1, true) then
      local r = run_anchor(s, def[1], def[5], def[6], API_MATCHERS[i], TOKEN.api_key)
      if r ~= s then
        s = r
        us, dash, cap = find(s, "_", 1, true), find(s, "-", 1, true), find(s, "A", 1, true)
      end
    end
  end
  return s
end

-- an e-mail address around the '@' (w = 1) or the URL-encoded "%40" (w = 3) at p
local function email_at(s, p, last, w)
  local d = p + w
  -- necessary: a local part before the '@' and a domain of four or more bytes after it (x.yy);
  -- checked first without loops (one-iteration loops on '@' runs defeat LuaJIT's trace compiler)
  if p - 1 < last or not LOCAL[at(s, p - 1)] or not (DOMAIN[at(s, d)] and DOMAIN[at(s, d + 1)] and DOMAIN[at(s, d + 2)] and DOMAIN[at(s, d + 3)]) then return nil end
  local a = p
  while a - 1 >= last and a > p - 64 and LOCAL[at(s, a - 1)] do a = a - 1 end
  -- the 64-byte cap inside a UTF-8 character: the whole character stays out
  while a < p and CONT[at(s, a)] do a = a + 1 end
  if a == p or at(s, a - 1) == 47 then return nil end
  local e = d
  while e - d < 253 and DOMAIN[at(s, e)] do e = e + 1 end
  e = e - 1
  while e >= d and CONT[at(s, e + 1)] do e = e - 1 end
  while e >= d and (at(s, e) == 46 or at(s, e) == 45) do e = e - 1 end
  if e < d then return nil end
  local t = e
  while t >= d and TLD[at(s, t)] do t = t - 1 end
  if at(s, t) ~= 46 or e - t < 2 or t == d then return nil end
  if at(s, e + 1) == 58 then return nil end
  if EXT[lower(sub(s, t + 1, e))] then return nil end
  return a, e
end
local function m_email(s, p, last) return email_at(s, p, last, 1) end
local function m_email_encoded(s, p, last) return email_at(s, p, last, 3) end
local function d_email(s)
  s = run(s, s, "@", true, m_email, TOKEN.email)
  if not find(s, "%40", 1, true) then return s end
  return run(s, s, "%40", true, m_email_encoded, TOKEN.email)
end

-- The chain that m_iban scans from a candidate (capitals and digits, single spaces between) is
-- the tail of the chain from any earlier position of it: it is scanned once per string and kept
-- with prefix remainders mod 97, so a candidate checks its country's length in O(1), not O(length).
local IB_S, IB_FROM, IB_TO, IB_N = nil, 0, -1, 0
local IB_K, IB_POS, IB_P, IB_D = {}, {}, {}, {}
local POW10 = {}
do
  local x = 1
  for k = 0, 80 do
    POW10[k] = x
    x = x * 10 % 97
  end
end
local function iban_chain(s, p)
  local k, j, r, d = 0, p, 0, 0
  while true do
    local c = at(s, j)
    if UPDIG[c] then
      k = k + 1
      if c <= 57 then
        r = (r * 10 + (c - 48)) % 97
        d = d + 1
      else
        r = (r * 100 + (c - 55)) % 97
        d = d + 2
      end
      IB_K[j], IB_POS[k], IB_P[k], IB_D[k] = k, j, r, d
      j = j + 1
    elseif c == 32 and UPDIG[at(s, j + 1)] then
      j = j + 1
    else
      break
    end
  end
  IB_S, IB_FROM, IB_TO, IB_N = s, p, j - 1, k
end
-- IBAN length per country (IBAN_LENGTHS, the SWIFT IBAN registry plus the countries of the widely
-- used experimental lists): a candidate is checked at its country's length only, so an unknown
-- country code or a chain of the wrong length costs one table lookup, not a mod-97 per length.
-- indexed by (first letter - 65) * 26 + second letter - 64: 1..676, all in the array part
local IBAN_LEN = {}
for i = 1, 676 do IBAN_LEN[i] = false end
for i = 1, #IBAN_LENGTHS, 5 do
  IBAN_LEN[(byte(IBAN_LENGTHS, i) - 65) * 26 + byte(IBAN_LENGTHS, i + 1) - 64] = tonumber(sub(IBAN_LENGTHS, i + 2, i + 3))
end
local function m_iban(s, p)
  local c2 = at(s, p + 1)
  if ALNUM[at(s, p - 1)] or not (UPPER[c2] and DIGIT[at(s, p + 2)] and DIGIT[at(s, p + 3)]) then return nil end
  local len = IBAN_LEN[(byte(s, p) - 65) * 26 + c2 - 64]
  if not len then return nil end
  if IB_S ~= s or p < IB_FROM or p > IB_TO then iban_chain(s, p) end
  local q = IB_K[p]
  local k = q + len - 1
  if k > IB_N then return nil end
  local e = IB_POS[k]
  if ALNUM[at(s, e + 1)] then return nil end
  -- the BBAN (from the fifth character) then the country code (two capitals, two decimal digits
  -- each) and the check digits (six digits in all)
  local cc = ((byte(s, p) - 55) * 10000 + (c2 - 55) * 100 + (byte(s, p + 2) - 48) * 10 + (byte(s, p + 3) - 48)) % 97
  local b = q + 3
  if (((IB_P[k] - IB_P[b] * POW10[IB_D[k] - IB_D[b]]) % 97) * 1000000 + cc) % 97 ~= 1 then return nil end
  return p, e
end
-- candidates: two capitals right before a digit run of two or more (the shared digit runs; the
-- same candidates a byte loop over capitals would try, without the loop)
local function d_iban(s)
  local nr = digit_runs(s)
  SPN = 0
  local from, last, out, n = 1, 1, nil, 0
  for r = 1, nr do
    local q = RS[r]
    local p = q - 2
    if p >= from and RE[r] > q and UPPER[at(s, p)] and UPPER[at(s, q - 1)] then
      local a, b = m_iban(s, p)
      if a then
        out, n = splice_span(out, n, s, last, a, b, TOKEN.iban)
        last, from = b + 1, b + 1
      end
    end
  end
  return joined_runs(s, out, n, last, TOKEN.iban)
end

local function iin_ok(d)
  if byte(d, 1) == 52 then return true end
  local n2, n3, n4 = tonumber(sub(d, 1, 2)), tonumber(sub(d, 1, 3)), tonumber(sub(d, 1, 4))
  if n2 == 34 or n2 == 37 or (n2 >= 51 and n2 <= 55) or n2 == 36 or n2 == 38 or n2 == 39 or n2 == 62 or n2 == 65 then return true end
  if (n3 >= 300 and n3 <= 305) or (n3 >= 644 and n3 <= 649) then return true end
  if (n4 >= 2221 and n4 <= 2720) or n4 == 6011 or (n4 >= 3528 and n4 <= 3589) then return true end
  return false
end
local function luhn(d)
  -- alt: 0 or 1, a number (a boolean flipping true/false is type instability to LuaJIT)
  local sum, alt = 0, 0
  for i = #d, 1, -1 do
    local x = byte(d, i) - 48
    if alt == 1 then
      x = x * 2
      if x > 9 then x = x - 9 end
    end
    sum = sum + x
    alt = 1 - alt
  end
  return sum % 10 == 0
end
local function is_card(d)
  local n = #d
  return n >= 13 and n <= 19 and iin_ok(d) and luhn(d)
end
local CARD_D = {}
-- is_card on the digits of groups st..e read in place (no substrings): issuer prefix, then Luhn
local function is_card_groups(s, gs, ge, st, e)
  local d, n = CARD_D, 0
  for g = st, e do
    for i = gs[g], ge[g] do
      n = n + 1
      d[n] = byte(s, i) - 48
    end
  end
  if n < 13 or n > 19 then return false end
  if d[1] ~= 4 then
    local n2 = d[1] * 10 + d[2]
    local n3, n4 = n2 * 10 + d[3], n2 * 100 + d[3] * 10 + d[4]
    if not (n2 == 34 or n2 == 37 or (n2 >= 51 and n2 <= 55) or n2 == 36 or n2 == 38 or n2 == 39 or n2 == 62 or n2 == 65
      or (n3 >= 300 and n3 <= 305) or (n3 >= 644 and n3 <= 649)
      or (n4 >= 2221 and n4 <= 2720) or n4 == 6011 or (n4 >= 3528 and n4 <= 3589)) then return false end
  end
  -- alt: 0 or 1, a number (a boolean flipping true/false is type instability to LuaJIT)
  local sum, alt = 0, 0
  for i = n, 1, -1 do
    local x = d[i]
    if alt == 1 then
      x = x * 2
      if x > 9 then x = x - 9 end
    end
    sum = sum + x
    alt = 1 - alt
  end
  return sum % 10 == 0
end
local function m_card(s, r)
  local p = RS[r]
  if ALNUM[at(s, p - 1)] then return nil, RE[r] + 1 end
  -- the groups: runs r..z, each after a single space or dash, at most 24; w sums the digits of the
  -- last five groups, wmax is its maximum: no card fits when no five consecutive groups reach 13
  local z, w = r, RE[r] - p + 1
  local wmax = w
  while z - r < 23 and z < RN and RS[z + 1] == RE[z] + 2 do
    local c = byte(s, RE[z] + 1)
    if c ~= 32 and c ~= 45 then break end
    z = z + 1
    w = w + RE[z] - RS[z] + 1
    if z - r >= 5 then w = w - (RE[z - 5] - RS[z - 5] + 1) end
    if w > wmax then wmax = w end
  end
  if wmax < 13 then return nil, RE[z] + 1 end
  local tail_ok = not WORD[at(s, RE[z] + 1)]
  for st = r, z do
    -- best: the last group of the longest card from st, 0 for none (a number, not nil: see above)
    local total, best = 0, 0
    for e = st, z do
      if e - st >= 5 then break end
      total = total + RE[e] - RS[e] + 1
      if total > 19 then break end
      if total >= 13 and (e < z or tail_ok) and is_card_groups(s, RS, RE, st, e) then best = e end
    end
    if best > 0 then return RS[st], RE[best] end
  end
  return nil, RE[z] + 1
end
local function d_credit_card(s) return run_runs(s, m_card, TOKEN.credit_card) end
local function card_number(v)
  return v == floor(v) and v >= 1e12 and v < 9007199254740992 and is_card(format("%.0f", v))
end

local function m_ssn(s, r)
  -- ddd, a dash or a space, dd, the same separator, dddd: runs of 3, 2 and 4 digits; a failed
  -- start fails for the rest of its run too (each digit is preceded by a digit): skip the run
  local p = RS[r]
  if RE[r] ~= p + 2 or r + 2 > RN or ALNUM[at(s, p - 1)] then return nil, RE[r] + 1 end
  local sep = byte(s, p + 3)
  if not ((sep == 45 or sep == 32) and RS[r + 1] == p + 4 and RE[r + 1] == p + 5 and byte(s, p + 6) == sep and RS[r + 2] == p + 7 and RE[r + 2] == p + 10) then return nil, RE[r] + 1 end
  if ALNUM[at(s, p + 11)] then return nil, RE[r] + 1 end
  local area = (byte(s, p) - 48) * 100 + (byte(s, p + 1) - 48) * 10 + byte(s, p + 2) - 48
  local group = (byte(s, p + 4) - 48) * 10 + byte(s, p + 5) - 48
  local serial = (byte(s, p + 7) - 48) * 1000 + (byte(s, p + 8) - 48) * 100 + (byte(s, p + 9) - 48) * 10 + byte(s, p + 10) - 48
  if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0 then return nil, RE[r] + 1 end
  return p, p + 10
end
local function d_us_ssn(s)
  -- every SSN has a '-' or a space
  if not (find(s, "-", 1, true) or find(s, " ", 1, true)) then return s end
  return run_runs(s, m_ssn, TOKEN.us_ssn)
end

local function is_sep(c) return c == 45 or c == 46 end
-- m_phone at p: the digit run r starts at p, or right after the '+' or '(' at p; t is the last run
-- of the number, for an extension (' x' and a run right after)
local function m_phone(s, r, p)
  local c = byte(s, p)
  local e, t
  -- the digits after a digit are preceded by one too: skip the run
  if ALNUM[at(s, p - 1)] then
    if DIGIT[c] then return nil, RE[r] + 1 end
    return nil
  end
  if c == 43 then
    -- runs joined by single spaces, dashes or dots: 8 to 15 digits in all
    local n = RE[r] - RS[r] + 1
    t = r
    while n <= 15 and t < RN and RS[t + 1] == RE[t] + 2 do
      local d = byte(s, RE[t] + 1)
      if d ~= 32 and d ~= 45 and d ~= 46 then break end
      t = t + 1
      n = n + RE[t] - RS[t] + 1
    end
    if n < 8 or n > 15 then return nil end
    e = RE[t]
  elseif c == 40 then
    -- (ddd) ddd-dddd: the runs r, r + 1 and r + 2
    if not (RE[r] == p + 3 and at(s, p + 4) == 41 and r + 2 <= RN) then return nil end
    local j = p + 5
    if at(s, j) == 32 then j = j + 1 end
    local sep = at(s, j + 3)
    if not (RS[r + 1] == j and RE[r + 1] == j + 2 and (is_sep(sep) or sep == 32) and RS[r + 2] == j + 4 and RE[r + 2] >= j + 7) then return nil end
    e = j + 7
    t = r + 2
  else
    -- [1-]ddd-ddd-dddd: the runs q, q + 1 and q + 2, q = r or, after a leading "1-", r + 1
    local j, q = p, r
    if c == 49 and is_sep(at(s, p + 1)) then j, q = p + 2, r + 1 end
    -- a failed digit start: the rest of its digit run is preceded by a digit, skip it
    if not (q + 2 <= RN and RS[q] == j and RE[q] == j + 2 and is_sep(byte(s, j + 3)) and RS[q + 1] == j + 4 and RE[q + 1] == j + 6 and is_sep(byte(s, j + 7)) and RS[q + 2] == j + 8 and RE[q + 2] >= j + 11) then return nil, RE[r] + 1 end
    e = j + 11
    t = q + 2
  end
  if at(s, e + 1) == 32 and at(s, e + 2) == 120 and t < RN and RS[t + 1] == e + 3 then e = RE[t + 1] end
  if ALNUM[at(s, e + 1)] then return nil end
  return p, e
end
local function d_phone(s)
  -- every phone has a '+', a '(', a '-' or a '.': without them, no scan
  if not (find(s, "+", 1, true) or find(s, "(", 1, true) or find(s, "-", 1, true) or find(s, ".", 1, true)) then return s end
  -- candidates: each digit run, after the '+' or '(' right before it (run with the digit runs)
  local nr = digit_runs(s)
  SPN = 0
  local from, last, out, n = 1, 1, nil, 0
  for r = 1, nr do
    local p = RS[r]
    local a, b = nil, nil
    local c = at(s, p - 1)
    if (c == 43 or c == 40) and p - 1 >= from then a, b = m_phone(s, r, p - 1) end
    if not a and p >= from then
      a, b = m_phone(s, r, p)
      if not a and b then from = b end
    end
    if a then
      out, n = splice_span(out, n, s, last, a, b, TOKEN.phone)
      last, from = b + 1, b + 1
    end
  end
  return joined_runs(s, out, n, last, TOKEN.phone)
end

local function v6_groups(h)
  if h == "" then return 0 end
  local c, len = 0, 0
  for i = 1, #h + 1 do
    local b = at(h, i)
    if b == 58 or b == 0 then
      if len < 1 or len > 4 then return -1 end
      c = c + 1
      len = 0
    else
      len = len + 1
    end
  end
  return c
end
local function m_ipv6(s, p, last)
  local a = p
  while a - 1 >= last and p - a < 39 and (HEX[at(s, a - 1)] or at(s, a - 1) == 58) do a = a - 1 end
  local e = p
  while e - a < 40 and (HEX[at(s, e + 1)] or at(s, e + 1) == 58) do e = e + 1 end
  -- every colon of one maximal [hex:] run gives the same answer: on failure skip the run
  local skip = e + 2
  if e - a >= 39 then
    -- too long: every colon of the whole maximal run fails too, skip past its end
    while HEX[at(s, e + 1)] or at(s, e + 1) == 58 do e = e + 1 end
    return nil, e + 2
  end
  if ALNUM[at(s, a - 1)] or at(s, a - 1) == 58 or ALNUM[at(s, e + 1)] or at(s, e + 1) == 58 or at(s, e + 1) == 46 then return nil, skip end
  local x = sub(s, a, e)
  if not find(x, "%x") or find(x, ":::", 1, true) then return nil, skip end
  local dbl = find(x, "::", 1, true)
  if dbl then
    if find(x, "::", dbl + 1, true) then return nil, skip end
    local l, r = v6_groups(sub(x, 1, dbl - 1)), v6_groups(sub(x, dbl + 2))
    if l < 0 or r < 0 or l + r > 7 then return nil, skip end
  elseif v6_groups(x) ~= 8 then
    return nil, skip
  end
  return a, e
end
local function d_ipv6(s) return run(s, s, ":", true, m_ipv6, TOKEN.ipv6) end

-- the value of the 1 to 3 digits a..b
local function octet(s, a, b)
  local v = byte(s, a) - 48
  if b > a then v = v * 10 + byte(s, a + 1) - 48 end
  if b > a + 1 then v = v * 10 + byte(s, a + 2) - 48 end
  return v
end
local function m_ipv4(s, r)
  local p = RS[r]
  if ALNUM[at(s, p - 1)] or at(s, p - 1) == 46 or r + 3 > RN then return nil, RE[r] + 1 end
  -- four runs of 1 to 3 digits, each at most 255, joined by single dots
  for o = r, r + 3 do
    if RE[o] - RS[o] > 2 or octet(s, RS[o], RE[o]) > 255 then return nil, RE[r] + 1 end
    if o < r + 3 and not (byte(s, RE[o] + 1) == 46 and RS[o + 1] == RE[o] + 2) then return nil, RE[r] + 1 end
  end
  local j = RE[r + 3] + 1
  if ALNUM[at(s, j)] or (at(s, j) == 46 and DIGIT[at(s, j + 1)]) then return nil, RE[r] + 1 end
  local from = p - 10
  if from < 1 then from = 1 end
  if find(lower(sub(s, from, p - 1)), "version", 1, true) then return nil, RE[r] + 1 end
  return p, j - 1
end
local function d_ipv4(s)
  -- every address has a dot
  if not find(s, ".", 1, true) then return s end
  return run_runs(s, m_ipv4, TOKEN.ipv4)
end

local D = {
  private_key = d_private_key, jwt = d_jwt, bearer_token = d_bearer_token, database_url = d_database_url,
  secret_kv = d_secret_kv, api_key = d_api_key, email = d_email, iban = d_iban, credit_card = d_credit_card,
  us_ssn = d_us_ssn, phone = d_phone, ipv6 = d_ipv6, ipv4 = d_ipv4,
}

-- The data names detectors; each name resolves to its function once, here. A name without a
-- function or a function without a token stops the script at load (Fluent Bit does not start the
-- filter) instead of letting records through unscanned.
for id in each(TOKEN) do
  if not D[id] then error("redact.lua: no detector " .. id) end
end
for id in each(D) do
  if type(TOKEN[id]) ~= "string" then error("redact.lua: no token for the detector " .. id) end
end

-- custom patterns -------------------------------------------------------------------------------
-- A pattern (one alternative of a spec's pattern) is a list of pieces, each a byte class taken
-- min..max times (max -1: no bound) or a word boundary, with flags for ^ and $. Its matches are
-- the ones JavaScript's String.replace finds with the g flag (svcspec checks the spec's examples
-- with the same algorithm, src/model/pii-pattern.ts, and the tests hold the two equal), found
-- without backtracking: string.gsub on the Lua pattern of [a-z]+[0-9]+ takes 5 s on a 32 KB value.
-- match_ends(s, pat)[p] is where the first match starting at byte p ends (the byte after it), or
-- -1. It is computed from the last piece to the first: a class piece tries its largest count
-- first, so it ends where the rest ends from the largest q in [p + min, p + min(max, span)] from
-- which the rest matches (span: the bytes of the class from p on), and BEST[q], the last such q
-- up to q, finds that in one step. Time and memory linear in the value for each piece.
local ENDS_A, ENDS_B, BEST = {}, {}, {}

-- Returns nil when no match can start anywhere (the usual answer, found after the last pieces).
local function match_ends(s, pat)
  local n = #s
  local nxt, cur = ENDS_A, ENDS_B
  for p = 1, n + 1 do
    if pat.anchor_end and p <= n then nxt[p] = -1 else nxt[p] = p end
  end
  local pieces = pat.pieces
  for i = #pieces, 1, -1 do
    local piece = pieces[i]
    local any = false
    if piece.boundary then
      local before = false
      for p = 1, n + 1 do
        local after = p <= n and WORD[byte(s, p)] or false
        if before ~= after and nxt[p] ~= -1 then cur[p] = nxt[p]; any = true else cur[p] = -1 end
        before = after
      end
    elseif piece.min == 1 and piece.max == 1 then
      -- one byte of the class: no count to choose
      local cls = piece.cls
      cur[n + 1] = -1
      for p = 1, n do
        if cls[byte(s, p)] and nxt[p + 1] ~= -1 then cur[p] = nxt[p + 1]; any = true else cur[p] = -1 end
      end
    else
      local cls, lo, hi = piece.cls, piece.min, piece.max
      local last = -1
      for q = 1, n + 1 do
        if nxt[q] ~= -1 then last = q end
        BEST[q] = last
      end
      local span = 0
      for p = n + 1, 1, -1 do
        if p <= n and cls[byte(s, p)] then span = span + 1 else span = 0 end
        local take = span
        if hi >= 0 and hi < take then take = hi end
        local q = BEST[p + take]
        if q >= p + lo then cur[p] = nxt[q]; any = true else cur[p] = -1 end
      end
    end
    if not any then return nil end
    nxt, cur = cur, nxt
  end
  return nxt
end

-- every match replaced, leftmost first; after an empty match the search goes on one byte further
local function replace_pattern(s, pat)
  -- a value without the bytes every match contains cannot match: a plain find, at C speed
  if pat.literal and not find(s, pat.literal, 1, true) then return s end
  local ends = match_ends(s, pat)
  if not ends then return s end
  local n = #s
  local out, k, last, p = nil, 0, 1, 1
  while p <= n + 1 do
    local e = ends[p]
    if e ~= -1 and (p == 1 or not pat.anchor_start) then
      out = out or {}
      out[k + 1], out[k + 2] = sub(s, last, p - 1), pat.replace
      k = k + 2
      last = e
      if e > p then p = e else p = p + 1 end
    elseif pat.anchor_start then
      break
    else
      p = p + 1
    end
  end
  if not out then return s end
  out[k + 1] = sub(s, last)
  return concat(out)
end

-- a class from its ranges: pairs of bytes, first and last
local function byte_class(ranges)
  local t = {}
  for c = 0, 255 do t[c] = false end
  for i = 1, #ranges - 1, 2 do
    for c = byte(ranges, i), byte(ranges, i + 1) do t[c] = true end
  end
  return t
end

local function resolve(policy)
  local fns, on = {}, {}
  for i = 1, #policy.detectors do
    local id = policy.detectors[i]
    fns[i] = D[id] or error("redact.lua: no detector " .. tostring(id))
    on[id] = true
  end
  -- cards: integral numbers are checked as card numbers too; pem: a key's lines across records;
  -- phones: digits under a phone's key
  policy.detectors, policy.cards, policy.pem, policy.phones = fns, on.credit_card == true, on.private_key == true, on.phone == true
  policy.sensitive_memo, policy.sensitive_memo_n = {}, 0
  for i = 1, #policy.patterns do
    local pieces = policy.patterns[i].pieces
    for j = 1, #pieces do
      local piece = pieces[j]
      if not piece.boundary then piece.cls, piece.min, piece.max = byte_class(piece[1]), piece[2], piece[3] end
    end
  end
end
resolve(DEFAULT_POLICY)
for i = 1, #SERVICES do resolve(SERVICES[i]) end

-- HMAC-SHA256 (FIPS 180-4, RFC 2104) on LuaJIT's bit library ---------------------------------
-- A block of its own: LuaJIT allows a chunk 200 locals, and the helpers of the hash need none of
-- theirs outside it.
local hmac_sha256_hex, HMAC_KEY, keyed_hash
do
  local K256 = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  }
  for i = 1, 64 do K256[i] = tobit(K256[i]) end
  -- W: the message schedule, W[1..16] a block's words, reused; nothing here builds a padded copy of
  -- the message or a string of the inner digest (each string is an allocation for the GC, and a
  -- keyed hash per record made it half the time of a JSON record)
  local W = {}
  for i = 1, 64 do W[i] = 0 end
  local IV = { tobit(0x6a09e667), tobit(0xbb67ae85), tobit(0x3c6ef372), tobit(0xa54ff53a), tobit(0x510e527f), tobit(0x9b05688c), tobit(0x1f83d9ab), tobit(0x5be0cd19) }
  -- the state H (eight words, updated in place) after the block in W[1..16]
  local function compress(H)
    for i = 17, 64 do
      local v15, v2 = W[i - 15], W[i - 2]
      local s0 = bxor(ror(v15, 7), ror(v15, 18), rshift(v15, 3))
      local s1 = bxor(ror(v2, 17), ror(v2, 19), rshift(v2, 10))
      W[i] = tobit(W[i - 16] + s0 + W[i - 7] + s1)
    end
    local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
    for i = 1, 64 do
      local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
      local ch = bxor(band(e, f), band(bnot(e), g))
      local t1 = h + S1 + ch + K256[i] + W[i]
      local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
      local maj = bxor(band(a, b), band(a, c), band(b, c))
      h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + S0 + maj)
    end
    H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
    H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
  end
  -- byte i of msg padded as SHA-256 pads it (a 0x80 after the last byte, then zeros; the length
  -- words are set by the caller)
  local function padded_byte(msg, len, i)
    if i <= len then return byte(msg, i) end
    if i == len + 1 then return 128 end
    return 0
  end
  -- SHA-256 of (what `from` has absorbed: `done` bytes, a multiple of 64) .. msg, into H (eight
  -- words); from = IV, done = 0: SHA-256 of msg. HMAC starts from the states after its key pads,
  -- computed once. The blocks are read from msg in place, the padding computed.
  local function sha256_words(H, from, done, msg)
    for i = 1, 8 do H[i] = from[i] end
    local len = #msg
    local bits = (done + len) * 8
    local blocks = floor((len + 8) / 64) + 1
    for blk = 0, blocks - 1 do
      local base = blk * 64
      for j = 1, 16 do
        local p = base + j * 4 - 3
        if p + 3 <= len then
          local a, b, c, d = byte(msg, p, p + 3)
          W[j] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
        else
          W[j] = bor(lshift(padded_byte(msg, len, p), 24), lshift(padded_byte(msg, len, p + 1), 16), lshift(padded_byte(msg, len, p + 2), 8), padded_byte(msg, len, p + 3))
        end
      end
      if blk == blocks - 1 then W[15], W[16] = tobit(floor(bits / 4294967296)), tobit(bits % 4294967296) end
      compress(H)
    end
    return H
  end
  local function words_raw(H)
    local out = {}
    for i = 1, 8 do
      local x = H[i]
      out[i] = char(band(rshift(x, 24), 255), band(rshift(x, 16), 255), band(rshift(x, 8), 255), band(x, 255))
    end
    return concat(out)
  end
  -- one format call, not eight bit.tohex strings joined: with the tohex chain a keyed hash took
  -- 7 us in LuaJIT, with format 1.5 us. The words are signed; x % 2^32 is the unsigned value, an
  -- integer below 2^32, which %08x prints exactly.
  local U32 = 4294967296
  local function words_hex(H)
    return format("%08x%08x%08x%08x%08x%08x%08x%08x", H[1] % U32, H[2] % U32, H[3] % U32, H[4] % U32, H[5] % U32, H[6] % U32, H[7] % U32, H[8] % U32)
  end
  local function sha256(msg) return words_raw(sha256_words({}, IV, 0, msg)) end
  local function xor_pad(key, v)
    local out = {}
    for i = 1, 64 do out[i] = char(bxor(byte(key, i), v)) end
    return concat(out)
  end
  -- the SHA-256 states after the key's inner and outer pads (one block each, no length words)
  local function pad_state(key, v)
    local pad = xor_pad(key, v)
    for j = 1, 16 do
      local p = j * 4 - 3
      local a, b, c, d = byte(pad, p, p + 3)
      W[j] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
    end
    local H = { IV[1], IV[2], IV[3], IV[4], IV[5], IV[6], IV[7], IV[8] }
    compress(H)
    return H
  end
  local function hmac_states(key)
    if #key > 64 then key = sha256(key) end
    key = key .. rep("\0", 64 - #key)
    return pad_state(key, 0x36), pad_state(key, 0x5c)
  end
  -- the outer hash of the inner digest (32 bytes after the 64 of the pad: one block) straight from
  -- the inner state's words
  local HI, HO = {}, {}
  local function hmac_hex(inner, outer, msg)
    sha256_words(HI, inner, 64, msg)
    for i = 1, 8 do
      W[i] = HI[i]
      HO[i] = outer[i]
    end
    W[9] = tobit(0x80000000)
    for i = 10, 15 do W[i] = 0 end
    W[16] = (64 + 32) * 8
    compress(HO)
    return words_hex(HO)
  end
  function hmac_sha256_hex(key, msg)
    local inner, outer = hmac_states(key)
    return hmac_hex(inner, outer, msg)
  end
  HMAC_KEY = os.getenv("SVCSPEC_PII_HMAC_KEY")
  if HMAC_KEY == "" then HMAC_KEY = nil end
  local INNER, OUTER
  if HMAC_KEY then INNER, OUTER = hmac_states(HMAC_KEY) end
  function keyed_hash(v) return hmac_hex(INNER, OUTER, v) end
end

-- private keys across records ------------------------------------------------------------------
-- The multiline filter joins a key's lines into one record; when it cannot (its flush timeout in
-- the middle of a key written slowly, its buffer limit) they arrive one record each, and only the
-- BEGIN line would match d_private_key. So: a `log` that leaves a key open (a BEGIN without its END)
-- marks its tag and stream; while marked, a key body line (base64) is the token, a header line
-- (`Proc-Type: ...`) or a blank one stays, the END line is the token up to its end and closes the
-- mark, and any other line closes it and is scanned as usual. Without a mark, a `log` that is just
-- one line of 64 or 70 base64 characters (PEM's and OpenSSH's widths) with capitals, small letters
-- and digits is the token too (a key whose BEGIN went by in another process).
local KEY_OPEN, KEY_OPEN_N = {}, 0
local B64 = set_of("+/", range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9"))
local B64PAD = set_of("=", set_of("+/", range(range(range(new_cls(), "A", "Z"), "a", "z"), "0", "9")))
local SPACE = set_of(" \t\r\n")
local LOWER = range(new_cls(), "a", "z")
-- true when the last key s begins (as d_private_key finds them) has no END
local function key_left_open(s)
  local i, open = 1, false
  while true do
    local p = find(s, "-----BEGIN ", i, true)
    if not p then return open end
    local q = find(s, "PRIVATE KEY-----", p + 11, true)
    if q and q - p <= 40 then
      local e = find(s, "-----END ", q + 16, true)
      local f = e and find(s, "-----", e + 9, true)
      if not f then return true end
      i, open = f + 5, false
    else
      i = p + 1
    end
  end
end
-- the bounds of s without white space around it (a > b: blank)
local function trimmed(s)
  local a, b = 1, #s
  while SPACE[at(s, a)] do a = a + 1 end
  while b >= a and SPACE[at(s, b)] do b = b - 1 end
  return a, b
end
-- "body" (base64 and padding only), "keep" (blank, or a header line), or nil
local function key_line(s)
  local a, b = trimmed(s)
  if a > b then return "keep" end
  local i = a
  while i <= b and B64PAD[byte(s, i)] do i = i + 1 end
  if i > b then return "body" end
  if find(s, "^%a[%a%-]*: ", a) then return "keep" end
  return nil
end
local function key_body_alone(s)
  local a, b = trimmed(s)
  local n = b - a + 1
  if n ~= 64 and n ~= 70 then return false end
  local up, low, dig = false, false, false
  for i = a, b do
    local c = byte(s, i)
    if not B64[c] then return false end
    if UPPER[c] then up = true elseif LOWER[c] then low = true elseif DIGIT[c] then dig = true end
  end
  return up and low and dig
end
local function key_lines(record, tag)
  local log = rawget(record, "log")
  if type(log) ~= "string" then return false end
  local opens = key_left_open(log)
  -- the tag and stream, only while some key is open or this line opens one
  local id = nil
  if KEY_OPEN_N > 0 or opens then
    local stream = rawget(record, "stream")
    id = tostring(tag) .. "\0" .. (type(stream) == "string" and stream or "")
  end
  local out = log
  if id and KEY_OPEN[id] then
    local kind = key_line(log)
    if kind == "body" then
      out = TOKEN.private_key
    elseif kind ~= "keep" then
      KEY_OPEN[id] = nil
      KEY_OPEN_N = KEY_OPEN_N - 1
      local e = find(log, "-----END ", 1, true)
      if e then
        local f = find(log, "-----", e + 9, true)
        out = TOKEN.private_key .. (f and sub(log, f + 5) or "")
      end
    end
  elseif key_body_alone(log) then
    out = TOKEN.private_key
  end
  if opens and not KEY_OPEN[id] then
    KEY_OPEN[id] = true
    KEY_OPEN_N = KEY_OPEN_N + 1
  end
  if out == log then return false end
  record.log = out
  return true
end

-- the log line's JSON ---------------------------------------------------------------------------
-- The kubernetes filter runs with merge_log off, and this filter merges instead. Fluent Bit's JSON
-- parser accepts 64 levels but its decoder for the lua filter only 63 (the event wrapper counts):
-- a line nested exactly 64 deep, merged by Fluent Bit, never reached this callback and its whole
-- chunk went downstream unredacted. Here a `log` that is one JSON object is decoded with a depth
-- cap and its keys join the record as merge_log (keep_log off) joined them; deeper than
-- LOG_JSON_MAX_DEPTH is an error, hence the redaction-error stub, never an unscanned record. Keys the
-- record already has (log, stream, time, kubernetes, ...) and those the walk skips stay under `log`.
-- A `log` that is not exactly one JSON object (text, an array, invalid JSON) stays a string.
local MAP_MT, ARRAY_MT = { type = 2 }, { type = 1 }
-- a JSON null: flb_null (enable_flb_null on), else nothing, as Fluent Bit would pass it
local NULL = flb_null
local NOTHING = {}
local JSON_WS = set_of(" \t\r\n")
local JSON_ESC = { [34] = "\"", [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f", [110] = "\n", [114] = "\r", [116] = "\t" }
local function json_ws(s, i)
  while JSON_WS[at(s, i)] do i = i + 1 end
  return i
end
local function utf8_bytes(c)
  if c < 0x80 then return char(c) end
  if c < 0x800 then return char(0xC0 + floor(c / 64), 0x80 + c % 64) end
  if c < 0x10000 then return char(0xE0 + floor(c / 4096), 0x80 + floor(c / 64) % 64, 0x80 + c % 64) end
  return char(0xF0 + floor(c / 262144), 0x80 + floor(c / 4096) % 64, 0x80 + floor(c / 64) % 64, 0x80 + c % 64)
end
-- the code unit of \uXXXX at i (the backslash), or nil
local function json_u(s, i)
  if at(s, i) ~= 92 or at(s, i + 1) ~= 117 or not (HEX[at(s, i + 2)] and HEX[at(s, i + 3)] and HEX[at(s, i + 4)] and HEX[at(s, i + 5)]) then return nil end
  return tonumber(sub(s, i + 2, i + 5), 16)
end
-- next_at(lit)(s, j): the first `lit` at or after j in s, remembered: a string is decoded from left
-- to right, so each quote and backslash is found once and decoding stays linear
local function next_at(lit)
  local cs, from, pos = nil, 0, false
  return function(s, j)
    if cs ~= s or j < from or (pos and pos < j) then cs, from, pos = s, j, find(s, lit, j, true) or false end
    return pos
  end
end
local next_quote, next_backslash = next_at("\""), next_at("\\")
-- the string whose opening quote is at i, and the index after its closing quote; nil if invalid
-- (a raw control character, an unknown escape, a lone surrogate, no closing quote)
local function json_string(s, i)
  local parts, n, j = nil, 0, i + 1
  while true do
    local q = next_quote(s, j)
    if not q then return nil end
    local e = next_backslash(s, j)
    local stop = q
    if e and e < q then stop = e end
    for k = j, stop - 1 do
      if byte(s, k) < 32 then return nil end
    end
    if stop == q then
      if not parts then return sub(s, j, q - 1), q + 1 end
      parts[n + 1] = sub(s, j, q - 1)
      return concat(parts), q + 1
    end
    parts = parts or {}
    parts[n + 1] = sub(s, j, e - 1)
    n = n + 1
    local c = at(s, e + 1)
    if c == 117 then
      local u = json_u(s, e)
      if not u or (u >= 0xDC00 and u <= 0xDFFF) then return nil end
      j = e + 6
      if u >= 0xD800 and u <= 0xDBFF then
        local lo = json_u(s, j)
        if not lo or lo < 0xDC00 or lo > 0xDFFF then return nil end
        u = 0x10000 + (u - 0xD800) * 1024 + (lo - 0xDC00)
        j = j + 6
      end
      parts[n + 1] = utf8_bytes(u)
    else
      local x = JSON_ESC[c]
      if not x then return nil end
      parts[n + 1] = x
      j = e + 2
    end
    n = n + 1
  end
end
local function digits_end(s, j)
  while DIGIT[at(s, j)] do j = j + 1 end
  return j
end
-- the number at i (JSON's grammar), and the index after it; nil if invalid or not finite
local function json_number(s, i)
  local j = i
  if at(s, j) == 45 then j = j + 1 end
  local c = at(s, j)
  if c == 48 then
    j = j + 1
  elseif DIGIT[c] then
    j = digits_end(s, j)
  else
    return nil
  end
  if at(s, j) == 46 then
    if not DIGIT[at(s, j + 1)] then return nil end
    j = digits_end(s, j + 1)
  end
  c = at(s, j)
  if c == 101 or c == 69 then
    j = j + 1
    c = at(s, j)
    if c == 43 or c == 45 then j = j + 1 end
    if not DIGIT[at(s, j)] then return nil end
    j = digits_end(s, j)
  end
  local v = tonumber(sub(s, i, j - 1))
  if not v or v ~= v or v == math.huge or v == -math.huge then return nil end
  return v, j
end
-- a scalar at i (after white space) and the index after it; nil if invalid
local function json_scalar(s, i)
  local c = at(s, i)
  if c == 34 then
    return json_string(s, i)
  elseif c == 116 then
    if sub(s, i, i + 3) == "true" then return true, i + 4 end
  elseif c == 102 then
    if sub(s, i, i + 4) == "false" then return false, i + 5 end
  elseif c == 110 then
    if sub(s, i, i + 3) == "null" then return NULL or NOTHING, i + 4 end
  else
    return json_number(s, i)
  end
  return nil
end
-- after a map's '{' or ',' at i - 1: the key and the index after its ':'; nil if invalid
local function json_key(s, i)
  if at(s, i) ~= 34 then return nil end
  local k, j = json_string(s, i)
  if not k then return nil end
  j = json_ws(s, j)
  if at(s, j) ~= 58 then return nil end
  return k, j + 1
end
-- The JSON object that is all of s (white space around it allowed), or nil; an error when it
-- opens more than LOG_JSON_MAX_DEPTH maps and arrays. A loop with the open containers on a stack
-- (ST_*), not recursion: LuaJIT compiles the loop, recursive descent keeps leaving its traces.
local ST_T, ST_MAP, ST_K, ST_N = {}, {}, {}, {}
local function json_object(s)
  local i = json_ws(s, 1)
  if at(s, i) ~= 123 then return nil end
  local depth = 0
  while true do
    -- a value at i
    i = json_ws(s, i)
    local c = at(s, i)
    local v, done
    if c == 123 or c == 91 then
      if depth >= LOG_JSON_MAX_DEPTH then error("log JSON nested deeper than " .. LOG_JSON_MAX_DEPTH) end
      local map = c == 123
      local t = setmetatable({}, map and MAP_MT or ARRAY_MT)
      i = json_ws(s, i + 1)
      if at(s, i) == c + 2 then
        v, done, i = t, true, i + 1
      else
        depth = depth + 1
        ST_T[depth], ST_MAP[depth], ST_N[depth] = t, map, 0
        if map then
          local k
          k, i = json_key(s, i)
          if not k then return nil end
          ST_K[depth] = k
        end
      end
    else
      v, i = json_scalar(s, i)
      if v == nil then return nil end
      done = true
    end
    -- a complete value: into its container, closing the containers that end after it
    while done do
      if depth == 0 then
        if json_ws(s, i) <= #s then return nil end
        return v
      end
      local t, map = ST_T[depth], ST_MAP[depth]
      if map then
        if v ~= NOTHING then t[ST_K[depth]] = v end
      else
        local n = ST_N[depth] + 1
        ST_N[depth] = n
        if v ~= NOTHING then t[n] = v end
      end
      i = json_ws(s, i)
      c = at(s, i)
      if c == 44 then
        i = json_ws(s, i + 1)
        if map then
          local k
          k, i = json_key(s, i)
          if not k then return nil end
          ST_K[depth] = k
        end
        done = false
      elseif c == (map and 125 or 93) then
        v, i, depth = t, i + 1, depth - 1
      else
        return nil
      end
    end
  end
end
local function merge_log(record)
  local log = rawget(record, "log")
  if type(log) ~= "string" then return false end
  local obj = json_object(log)
  if not obj then return false end
  local kept = nil
  for k, v in each(obj) do
    if k == "log" or SKIP_TOP[k] or rawget(record, k) ~= nil then
      kept = kept or setmetatable({}, MAP_MT)
      kept[k] = v
    else
      record[k] = v
    end
  end
  record.log = kept
  return true
end

-- record walk -------------------------------------------------------------------------------------
local function scan_string(s, policy, ctx)
  if #s > MAX_LEN then
    local cut = MAX_LEN
    while cut > 0 and band(byte(s, cut + 1), 0xC0) == 0x80 do cut = cut - 1 end
    s = sub(s, 1, cut) .. "[TRUNCATED]"
    ctx.truncated = true
  end
  local pats = policy.patterns
  for i = 1, #pats do s = replace_pattern(s, pats[i]) end
  local det = policy.detectors
  for i = 1, #det do s = det[i](s) end
  return s
end

-- Sensitive keys: a map key that, in lower case and without '-', '_' and '.', ends with one of the
-- policy's `sensitive` entries (svcspec writes them normalised the same way) holds a secret whatever
-- its value looks like: a non-empty string or a number becomes TOKEN.secret_kv, a map or an array
-- has every such value beneath it replaced (its keys stay), booleans and nulls stay. A field
-- action's own result is left to it. Memoised per policy (keys repeat from record to record).
local KEY_MEMO = 4096
local function norm_key(k) return (gsub(lower(k), "[%-_%.]", "")) end
local function sensitive_key(policy, k)
  local memo = policy.sensitive_memo
  local v = memo[k]
  if v == nil then
    local n, list = norm_key(k), policy.sensitive
    v = false
    for i = 1, #list do
      local e = list[i]
      if #n >= #e and sub(n, -#e) == e then
        v = true
        break
      end
    end
    if policy.sensitive_memo_n >= KEY_MEMO then
      memo = {}
      policy.sensitive_memo, policy.sensitive_memo_n = memo, 0
    end
    memo[k] = v
    policy.sensitive_memo_n = policy.sensitive_memo_n + 1
  end
  return v
end

-- Phone numbers stored without separators (a JSON number, a string of digits) have no shape to
-- find in text: under a key naming a phone (normalised as above, it contains phone, mobile or
-- msisdn, or is tel, fax or cell), 8 to 15 digits (a '+' before them allowed) are the phone token.
local PHONE_MEMO, PHONE_MEMO_N = {}, 0
local function phone_key(k)
  local v = PHONE_MEMO[k]
  if v == nil then
    local n = norm_key(k)
    v = find(n, "phone", 1, true) ~= nil or find(n, "mobile", 1, true) ~= nil or find(n, "msisdn", 1, true) ~= nil or n == "tel" or n == "fax" or n == "cell"
    if PHONE_MEMO_N >= KEY_MEMO then PHONE_MEMO, PHONE_MEMO_N = {}, 0 end
    PHONE_MEMO[k] = v
    PHONE_MEMO_N = PHONE_MEMO_N + 1
  end
  return v
end
local function phone_digits(s)
  local a = 1
  if byte(s, 1) == 43 then a = 2 end
  local n = #s - a + 1
  if n < 8 or n > 15 then return false end
  for i = a, #s do
    if not DIGIT[byte(s, i)] then return false end
  end
  return true
end
local function phone_number(v) return v == floor(v) and v >= 1e7 and v < 1e15 end

-- secret: t is beneath a sensitive key
local function walk(t, policy, ctx, depth, top, secret)
  if depth > MAX_DEPTH then error("record nested deeper than " .. MAX_DEPTH) end
  local acted = ctx.acted[t]
  for k, v in each(t) do
    if not (top and SKIP_TOP[k]) then
      local tv = type(v)
      local named = type(k) == "string"
      if secret or (named and #policy.sensitive > 0 and sensitive_key(policy, k) and not (acted and acted[k])) then
        if (tv == "string" and v ~= "" and v ~= TOKEN.secret_kv) or tv == "number" then
          t[k] = TOKEN.secret_kv
          ctx.changed = true
        elseif tv == "table" then
          walk(v, policy, ctx, depth + 1, false, true)
        end
      elseif tv == "string" then
        local r = scan_string(v, policy, ctx)
        if r == v and policy.phones and named and phone_key(k) and phone_digits(v) then r = TOKEN.phone end
        if r ~= v then
          t[k] = r
          ctx.changed = true
        end
      elseif tv == "number" then
        if policy.cards and card_number(v) then
          t[k] = TOKEN.credit_card
          ctx.changed = true
        elseif policy.phones and named and phone_key(k) and phone_number(v) then
          t[k] = TOKEN.phone
          ctx.changed = true
        end
      elseif tv == "table" then
        walk(v, policy, ctx, depth + 1, false, false)
      end
      -- booleans and nulls (flb_null, a userdata: see field_action) are left as they are
    end
  end
end

-- a null never gets here (field_action keeps it); any other non-scalar has no string form
local function string_form(v)
  if type(v) == "string" then return v end
  if type(v) == "number" and v == floor(v) and v > -9007199254740992 and v < 9007199254740992 then return format("%.0f", v) end
  return nil
end

-- Nulls: the lua filter runs with enable_flb_null on, so a msgpack nil arrives as the global
-- flb_null (a NULL lightuserdata, type "userdata"; it is packed back as nil) instead of vanishing.
-- Tested by type, not by comparing with flb_null: correct whether or not the global is set. A null
-- holds nothing to hide: drop removes the key like any other value, while mask, last4 and hash
-- keep it null and unchanged ("[REDACTED]" or a hash would claim a value that was never there and
-- change the field's type). A null or any other non-table on the path ends it: nothing to do,
-- never an index error.
local function field_action(rec, parts, action, acted)
  local t = rec
  for i = 1, #parts - 1 do
    t = t[parts[i]]
    if type(t) ~= "table" then return false end
  end
  local k = parts[#parts]
  local v = t[k]
  if v == nil then return false end
  if action == "drop" then
    t[k] = nil
  elseif type(v) == "userdata" then
    return false
  elseif action == "mask" then
    t[k] = "[REDACTED]"
  else
    local sv = string_form(v)
    if not sv then
      t[k] = "[REDACTED]"
    elseif action == "last4" then
      if #sv <= 4 then t[k] = "****" else t[k] = "****" .. sub(sv, -4) end
    elseif HMAC_KEY then
      t[k] = keyed_hash(sv)
    else
      t[k] = "[REDACTED]"
    end
  end
  -- the sensitive-key list leaves this value to the action
  acted[t] = acted[t] or {}
  acted[t][k] = true
  return true
end

-- Without a key, hash fails closed to a mask: nothing leaks, but the values lose their use as
-- join keys. Say so once, in Fluent Bit's own log, rather than let it pass unnoticed.
if not HMAC_KEY then
  local function hashes(p)
    for i = 1, #p.fields do
      if p.fields[i][2] == "hash" then return true end
    end
    return false
  end
  local any = hashes(DEFAULT_POLICY)
  for i = 1, #SERVICES do any = any or hashes(SERVICES[i]) end
  if any then
    pcall(function() io.stderr:write("[svcspec redact.lua] SVCSPEC_PII_HMAC_KEY is not set: fields with the action hash are masked instead\n") end)
  end
end

local function policy_for(record)
  local k = rawget(record, "kubernetes")
  if type(k) ~= "table" then return DEFAULT_POLICY end
  local ns, labels = k.namespace_name, k.labels
  if type(ns) ~= "string" or type(labels) ~= "table" then return DEFAULT_POLICY end
  for i = 1, #SERVICES do
    local svc = SERVICES[i]
    if svc.namespace == ns then
      local all = true
      local sel = svc.selector
      for j = 1, #sel do
        if labels[sel[j][1]] ~= sel[j][2] then
          all = false
          break
        end
      end
      if all then return svc end
    end
  end
  return DEFAULT_POLICY
end

local NO_ACTED = {}
local function redact(record, tag)
  if type(record) ~= "table" then error("record is not a table") end
  local policy = policy_for(record)
  local ctx = { changed = policy.pem and key_lines(record, tag), truncated = false, acted = #policy.fields > 0 and {} or NO_ACTED }
  if merge_log(record) then ctx.changed = true end
  local fields = policy.fields
  for i = 1, #fields do
    if field_action(record, fields[i][1], fields[i][2], ctx.acted) then ctx.changed = true end
  end
  walk(record, policy, ctx, 1, true)
  if ctx.truncated then record._svcspec_truncated = true end
  return ctx.changed
end

local SAFE_K8S = { "namespace_name", "pod_name", "container_name" }
local function fail_closed_record(record)
  local out = { _svcspec_redaction_error = true, log = "[REDACTION_ERROR]" }
  local ok, k8s = pcall(function()
    local k = rawget(record, "kubernetes")
    if type(k) ~= "table" then return nil end
    local r = {}
    for i = 1, #SAFE_K8S do
      local v = rawget(k, SAFE_K8S[i])
      -- plain strings only: a null (flb_null) or anything else is left out of the stub
      if type(v) == "string" then r[SAFE_K8S[i]] = v end
    end
    return r
  end)
  if ok and k8s then out.kubernetes = k8s end
  return out
end

svcspec_redaction_errors = 0

-- Fluent Bit's Lua filter callback: 0 = keep the original bytes, 2 = record replaced, original
-- timestamp kept. Never raises: Fluent Bit would pass the whole chunk through unredacted.
function cb_redact(tag, timestamp, record)
  local ok, changed = pcall(redact, record, tag)
  if ok then
    if changed then return 2, timestamp, record end
    return 0, timestamp, 0
  end
  svcspec_redaction_errors = svcspec_redaction_errors + 1
  local ok2, stub = pcall(fail_closed_record, record)
  if not ok2 then stub = { _svcspec_redaction_error = true, log = "[REDACTION_ERROR]" } end
  return 2, timestamp, stub
end

-- exposed for the test harness only
svcspec_hmac_sha256_hex = hmac_sha256_hex
