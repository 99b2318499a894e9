-- Orc: chases the nearest player within 5 tiles and hits it (lib/chase.lua); with nobody to
-- chase it wanders.
local chase = require("chase")
kind = { name = "Orc", visual = 2, hp = 60, damage = 5, exp = 25, weight = 3, chase_range = 5 }
local range = kind.chase_range

function on_act(npc)
  chase(npc, range)
end
