-- Slime: wanders one random step per act and never attacks.
local gp = gp -- a local: read as a field of the compiled function, not looked up by name each time
kind = { name = "Slime", visual = 1, hp = 30, damage = 0, exp = 10, weight = 6, chase_range = 0 }

function on_act(npc)
  gp.step(npc, gp.random(4))
end
