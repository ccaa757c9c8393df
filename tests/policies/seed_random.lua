-- tries to reseed the random generator from the clock
function admit(node, job)
  math.randomseed(42)
  return true
end
