-- hedge_twice.lua - a fork's hedging decision: a second copy after 0.5 s, no third.
function hedge(node, job, sent)
  if sent < 2 then return 0.5 end
  return nil
end
