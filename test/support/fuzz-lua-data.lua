-- Reads back the data section of generated Lua filters (the redaction filter and the log-level
-- filter), as LuaJIT parses it, for the injection fuzz suite (test/support/fuzz.ts). Arguments:
-- filter files. For each file it prints
-- one line: `ok <json>` (the data tables, every string as hex so that any byte survives) or
-- `fail <message>`; the whole filter is also loaded and run once, as Fluent Bit does.
local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", string.byte(c)) end))
end

local function encode(v, depth)
  if depth > 40 then error("data nested too deep") end
  local t = type(v)
  if t == "string" then return '"' .. hex(v) .. '"' end
  if t == "number" or t == "boolean" then return '{"' .. t .. '":' .. tostring(v) .. '}' end
  if t ~= "table" then return '{"' .. t .. '":null}' end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do
    local key = type(k) == "string" and hex(k) or ("#" .. tostring(k))
    parts[#parts + 1] = '"' .. key .. '":' .. encode(v[k], depth + 1)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- The data names of each filter, first to last (the section ends with the last one's table).
local REDACT = { "LOG_JSON_MAX_DEPTH", "TOKEN", "IBAN_LENGTHS", "SERVICES", "DEFAULT_POLICY" }
local LEVELS = { "SERVICES", "DEFAULT_POLICY" }

local function data_of(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  local whole, err = loadstring(text, "=filter")
  if not whole then error("the filter does not load: " .. err) end
  whole()
  local NAMES = text:find("\nlocal LOG_JSON_MAX_DEPTH", 1, true) and REDACT or LEVELS
  local first = text:find("\nlocal " .. NAMES[1] .. " ", 1, true)
  local last = text:find("\nlocal " .. NAMES[#NAMES] .. " ", 1, true)
  if not first or not last then error("no data section") end
  local stop = text:find("\n}\n", last, true) or text:find("}\n", last, true)
  local chunk = text:sub(first + 1, stop + 2) .. "\nreturn { " ..
    table.concat((function()
      local xs = {}
      for i, n in ipairs(NAMES) do xs[i] = n .. " = " .. n end
      return xs
    end)(), ", ") .. " }"
  local data = assert(loadstring(chunk, "=data"))()
  return encode(data, 0)
end

for _, path in ipairs(arg) do
  local ok, res = pcall(data_of, path)
  if ok then
    io.write("ok ", res, "\n")
  else
    io.write("fail ", (tostring(res):gsub("\n", " ")), "\n")
  end
end
