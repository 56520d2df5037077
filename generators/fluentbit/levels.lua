-- Fluent Bit Lua filter: call = cb_levels. The log-level policy, after redaction: per service
-- (matched by namespace and all its selector labels, as redact.lua matches them) and level, the
-- records are kept, dropped, or a share of them kept. svcspec's generators/fluentbit/levels.lua
-- with the spec's data in its data section. Only the Lua 5.1 / LuaJIT 2.1 common subset.
--
-- Sampling is deterministic and exact, by a counter per policy and level, not by a hash of the
-- record: of every run of n records of a level kept at share k (ten-thousandths), floor(n*k/10000)
-- are kept, spread evenly (the record that makes floor((i+1)*k/10000) grow is kept). A hash would
-- keep or drop every copy of a repeated line together, so a flood of one message would be all or
-- nothing. The counters live in this Fluent Bit worker and start at zero when it starts.
--
-- It never drops what it cannot read: a record without the level field, with a level that is not
-- a string, a level the policy does not list, or any error here, is kept.
local type, rawget, pcall, floor, lower = type, rawget, pcall, math.floor, string.lower

-- data ------------------------------------------------------------------------------------------
-- SERVICES, DEFAULT_POLICY: { namespace, selector = { { label, value }, ... }, field = { path
-- segments of the level field }, levels = { [level in lower case] = share kept in ten-thousandths } }.
-- A service whose pods match no entry gets DEFAULT_POLICY (the Organization's). In svcspec's source
-- file they are empty tables between a DATA and an END marker line, which svcspec replaces.
--@@DATA@@
local SERVICES = {}
local DEFAULT_POLICY = { selector = {}, field = { "level" }, levels = {} }
--@@END@@

local KEEP_ALL = 10000

local function policy_for(record)
  local k = rawget(record, "kubernetes")
  if type(k) ~= "table" then return DEFAULT_POLICY end
  local ns, labels = rawget(k, "namespace_name"), rawget(k, "labels")
  if type(ns) ~= "string" or type(labels) ~= "table" then return DEFAULT_POLICY end
  for i = 1, #SERVICES do
    local svc = SERVICES[i]
    if svc.namespace == ns then
      local all = true
      local sel = svc.selector
      for j = 1, #sel do
        if rawget(labels, sel[j][1]) ~= sel[j][2] then
          all = false
          break
        end
      end
      if all then return svc end
    end
  end
  return DEFAULT_POLICY
end

local function field_value(node, path)
  for i = 1, #path do
    if type(node) ~= "table" then return nil end
    node = rawget(node, path[i])
  end
  return node
end

-- The level: at the field's path in the record, or under `log` where redact.lua keeps the keys of
-- a merged log line that the record already had.
local function level_of(record, path)
  local v = field_value(record, path)
  if v == nil then v = field_value(rawget(record, "log"), path) end
  if type(v) ~= "string" then return nil end
  return lower(v)
end

-- seen[policy][level]: how many records of the level this policy has decided on.
local seen = {}

local function keep(record)
  if type(record) ~= "table" then return true end
  local policy = policy_for(record)
  local level = level_of(record, policy.field)
  if level == nil then return true end
  local share = policy.levels[level]
  if share == nil or share >= KEEP_ALL then return true end
  if share <= 0 then return false end
  local counts = seen[policy]
  if counts == nil then
    counts = {}
    seen[policy] = counts
  end
  local n = counts[level] or 0
  counts[level] = n + 1
  return floor((n + 1) * share / KEEP_ALL) > floor(n * share / KEEP_ALL)
end

-- Fluent Bit's Lua filter callback: -1 = drop the record, 0 = keep it as it is. Never raises (an
-- error keeps the record: Fluent Bit would pass the whole chunk on anyway).
function cb_levels(_, timestamp, record)
  local ok, kept = pcall(keep, record)
  if ok and not kept then return -1, timestamp, 0 end
  return 0, timestamp, 0
end
