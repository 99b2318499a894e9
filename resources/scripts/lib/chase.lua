-- What the orc and the troll do at each act (require("chase") returns it): hit the nearest
-- player within range when it stands next to the NPC (or on its tile), otherwise step towards
-- it along the longer axis first, the other one if a wall is in the way; with nobody to chase,
-- wander one random step.
-- Globals used at every act are read into locals once: a local is a field of the compiled
-- function, a global a lookup by name.
local gp, abs = gp, math.abs

return function(npc, range)
  local prey = gp.nearest_player(npc, range)
  if prey < 0 then
    gp.step(npc, gp.random(4))
    return
  end
  local x, y = gp.pos(npc)
  local px, py = gp.pos(prey)
  if abs(px - x) + abs(py - y) <= 1 then
    gp.attack(npc, prey)
    return
  end
  local horizontal = px > x and gp.RIGHT or gp.LEFT
  local vertical = py > y and gp.DOWN or gp.UP
  local x_first = abs(px - x) >= abs(py - y)
  if not gp.step(npc, x_first and horizontal or vertical) then
    if (x_first and py ~= y) or (not x_first and px ~= x) then
      gp.step(npc, x_first and vertical or horizontal)
    end
  end
end
