-- tries to catch the budget error with a handler that loops too
function admit(node, job)
  while true do
    xpcall(function() while true do end end, function(e) return e end)
  end
end
