-- with_helper.lua - a router policy that require()s a helper module beside it:
-- the manifest must fingerprint the module too (tests/e2e.sh).
local helper = require("helper_mod")
function route(node, job) return helper.first(sim.candidates(node)) end
