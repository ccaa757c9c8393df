-- ps.lua — processor sharing.
--
-- Every job at the node is served at once, each at rate min(1, c/n) with
-- c workers and n jobs present (egalitarian processor sharing; c = 1 is
-- the classic M/G/1-PS).  The mechanism is in C (a virtual-time heap, one
-- pending completion); this file only asks for it.
--
-- Parameters: none.
-- Reference: Kleinrock, "Time-shared systems: a theoretical treatment",
-- JACM 14(2), 1967: for M/G/1-PS the mean sojourn of a job of size x is
-- x/(1 - rho), so the overall mean equals M/M/1-FIFO's 1/(mu - lambda).

options = { processor_sharing = true }
