-- An error partway through the run: the run stops with the line, once.
local calls = 0
function dequeue(node, job) calls = calls + 1; if calls == 50 then error("fifty") end; return true end
