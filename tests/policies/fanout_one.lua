-- fanout_one.lua - a fork's fan-out decided per job: one copy (the fork becomes random routing).
function fanout(node, job)
  return 1
end
