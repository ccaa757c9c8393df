-- exponential backtracking in the pattern matcher
function admit(node, job)
  local s = ("a"):rep(40)
  return s:find(("a?"):rep(40) .. ("a"):rep(40)) ~= nil
end
