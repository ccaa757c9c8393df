-- C functions that loop or allocate where the count hook never looks
function admit(node, job)
  local nothing = string.rep("", 1 << 62) -- empty: returned at once, no 2^62-step loop
  local huge = string.rep("ab", 1 << 40)  -- refused before it allocates
  return #nothing == 0 and #huge > 0
end
