-- least_loaded.lua — send to the least outstanding work.
--
-- Each job goes to the candidate with the least work still to do (the
-- service time left of every job there); ties broken at random.  With exact
-- work this is the "least work left" policy, which for identical servers
-- makes the system behave like one central FIFO queue feeding them.
--
-- Parameters: none.
-- Reference: Harchol-Balter, Performance Modeling and Design of Computer
-- Systems (2013), ch. 24 ("Least-Work-Left").

function route(node, job)
  return sim.least(node, "work")
end
