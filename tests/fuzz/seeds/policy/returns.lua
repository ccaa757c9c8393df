-- Hook results of every type and edge: the C side must type-check each.
local odd = { 0/0, 1/0, -1/0, 2^63, -2^63, 1e308, -1, 0, 3, 1.5, "1", "drop", "x", {}, true, false }
local i = 0
local function nxt() i = i % #odd + 1; return odd[i] end
function admit(node, job) return nxt() end
function rank(node, job) return nxt() end
function pick(node) return nxt() end
function dequeue(node, job) return nxt() end
function route(node, job) return nxt() end
function on_done(node, job) return nxt() end
function tick(node, now) return nxt() end
