-- jiq.lua — join the idle queue.
--
-- The dispatcher keeps an "I-queue" of servers that reported themselves
-- idle.  A job goes to the first server in the I-queue (which leaves it); if
-- the I-queue is empty, to a random server.  A server reports once, when it
-- becomes idle.  Attach this one policy instance both to the dispatcher
-- (which has the "balance" list) and to its servers, so that it hears their
-- completions; every server starts idle and registered.
--
-- Parameters: none.
-- Reference: Lu, Xie, Kliot, Geller, Larus and Greenberg, "Join-Idle-Queue:
-- a novel load balancing algorithm for dynamically scalable web services",
-- Performance Evaluation 68(11), 2011.

local idle = {}       -- the I-queue: candidate node ids, oldest first
local head, tail = 1, 0
local registered = {}  -- node id -> true while in the I-queue
local index_of = {}    -- dispatcher -> {server node id -> candidate index}

local function register(server)
  if not registered[server] then
    registered[server] = true
    tail = tail + 1
    idle[tail] = server
  end
end

function route(node, job)
  local n = sim.candidates(node)
  local index = index_of[node]
  if not index then
    index = {}
    for i = 1, n do
      index[sim.candidate(node, i)] = i
      register(sim.candidate(node, i))
    end
    index_of[node] = index
  end
  while head <= tail do
    local server = idle[head]
    idle[head] = nil
    head = head + 1
    registered[server] = nil
    if index[server] then return index[server] end
  end
  return math.random(n)
end

function on_done(node, job)
  -- called at servers as a job finishes (it no longer counts as present)
  if sim.jobs(node) == 0 then register(node) end
end
