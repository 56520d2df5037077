-- luacheck for the Lua svcspec ships (generators/fluentbit/redact.lua) and runs in tests
-- (test/fixtures/lua/harness.lua). Fluent Bit embeds LuaJIT 2.1.
std = "luajit"
-- line length is a matter of style, as in the TypeScript; the checks here are for mistakes
max_line_length = false

files["generators/fluentbit/redact.lua"] = {
  -- what the script gives Fluent Bit and the tests: the callback the lua filter's `call` names, the
  -- error counter, and the HMAC for the harness
  globals = { "cb_redact", "svcspec_redaction_errors", "svcspec_hmac_sha256_hex" },
  -- set by Fluent Bit's lua filter before the script loads (enable_flb_null on)
  read_globals = { "flb_null" },
}

files["test/fixtures/lua/harness.lua"] = {
  -- the harness stands in for Fluent Bit: it sets flb_null and the map/array constructors the
  -- record chunks call, and reads the callback from _G
  globals = { "flb_null", "M", "A" },
  -- the HMAC redact.lua exposes for the harness's hmac mode
  read_globals = { "svcspec_hmac_sha256_hex" },
}

files["generators/fluentbit/levels.lua"] = {
  -- the callback the lua filter's `call` names
  globals = { "cb_levels" },
}
