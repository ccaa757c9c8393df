-- drr.lua — deficit round robin across classes.
--
-- Each class has its own FIFO queue.  Active queues are visited in turn;
-- each visit adds the class's quantum to its deficit, and the queue sends
-- head jobs while the head's size fits the deficit.  A queue that empties
-- loses its deficit.  Over time each backlogged class gets throughput in
-- proportion to its quantum, measured in job size.  At a node that sends
-- over credit windows, a class whose head is held (sim.can_send false) is
-- skipped for that visit and keeps its deficit.
--
-- Parameters:
--   quantum   number (default 1), or a table {CLASS = number}: size units
--             added per visit; should be at least the largest job size
-- Reference: Shreedhar and Varghese, "Efficient fair queueing using deficit
-- round robin", SIGCOMM 1995.

options = { per_class = true }

local nclasses = sim.nclasses()
local quantum = {}
for c = 1, nclasses do
  local q = params.quantum
  if type(q) == "table" then q = q[sim.class_name(c)] end
  quantum[c] = q or 1
  if type(quantum[c]) ~= "number" or quantum[c] <= 0 then
    error("params.quantum: expected positive numbers, found " .. tostring(quantum[c]))
  end
end

-- Round-robin state per node: one instance may serve several nodes, and
-- each runs its own rounds.
local S = {}
local function state(node)
  local s = S[node]
  if not s then
    s = { current = 1, fresh = true, deficit = {} }  -- fresh: this visit has not had its quantum yet
    for c = 1, nclasses do s.deficit[c] = 0 end
    S[node] = s
  end
  return s
end

function pick(node)
  local s = state(node)
  local deficit = s.deficit
  while true do
    local c = s.current
    if sim.queued(node, c) > 0 and not sim.can_send(node, c) then
      -- held by backpressure (its link's window is shut): skip the visit,
      -- keeping its deficit; tailback asks only when some class may go
    elseif sim.queued(node, c) > 0 then
      if s.fresh then
        deficit[c] = deficit[c] + quantum[c]
        s.fresh = false
      end
      local size = sim.head_size(node, c)
      if size <= deficit[c] then
        deficit[c] = deficit[c] - size
        return c
      end
    else
      deficit[c] = 0
    end
    s.current = s.current % nclasses + 1
    s.fresh = true
  end
end
