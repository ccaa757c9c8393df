-- wfq.lua — weighted fair queueing (self-clocked).
--
-- Each job gets a finish tag F = max(V, F_prev(class)) + size / weight(class)
-- on arrival; the job with the smallest tag is served next.  The system
-- virtual time V is the tag of the job most recently taken into service
-- (self-clocked fair queueing, Golestani 1994), which avoids simulating the
-- fluid GPS system and keeps the same long-run shares.
--
-- Parameters:
--   weights  table {CLASS = number}, default 1 for every class
-- Reference: Demers, Keshav and Shenker, "Analysis and simulation of a fair
-- queueing algorithm", SIGCOMM 1989; Golestani, "A self-clocked fair
-- queueing scheme for broadband applications", INFOCOM 1994.

local weight = {}
for c = 1, sim.nclasses() do
  local w = params.weights and params.weights[sim.class_name(c)] or 1
  if type(w) ~= "number" or w <= 0 then
    error("params.weights: expected positive numbers, found " .. tostring(w))
  end
  weight[c] = w
end

-- Virtual time and last finish tags per node: one instance may serve
-- several nodes, each with its own clock.
local S = {}
local function state(node)
  local s = S[node]
  if not s then
    s = { V = 0, last = {} }
    for c = 1, #weight do s.last[c] = 0 end
    S[node] = s
  end
  return s
end

function rank(node, job)
  local s = state(node)
  local c = sim.class(job)
  local f = math.max(s.V, s.last[c]) + sim.size(job) / weight[c]
  s.last[c] = f
  return f
end

function dequeue(node, job)
  state(node).V = sim.rank(job)
  return true
end
