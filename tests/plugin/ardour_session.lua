-- Builds the Ardour end-to-end test session (issue 4), run by
-- test_ardour.sh with ardour7-lua: a MIDI track with Cadenza as its
-- instrument, the temperature automated linearly from $CAD_T_LO to $CAD_T_HI
-- over $CAD_SECONDS seconds, saved as $CAD_SESSION_DIR/cadenza.ardour.
-- Exporting is left to ardour7-export, a separate process: exporting from
-- the process that built the session crashed in about 7% of runs.
local dir = assert(os.getenv("CAD_SESSION_DIR"), "CAD_SESSION_DIR unset")
local secs = tonumber(os.getenv("CAD_SECONDS") or "20")
local lo = tonumber(os.getenv("CAD_T_LO") or "0.1")
local hi = tonumber(os.getenv("CAD_T_HI") or "1.9")

AudioEngine:set_backend("None (Dummy)", "", "")
assert(create_session(dir, "cadenza", 48000), "create_session failed")
local len = math.floor(secs * Session:nominal_sample_rate())

local tl = Session:new_midi_track(
  ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1),
  ARDOUR.ChanCount(ARDOUR.DataType("audio"), 2), true, ARDOUR.PluginInfo(),
  nil, nil, 1, "Cadenza", ARDOUR.PresentationInfo.max_order,
  ARDOUR.TrackMode.Normal, true)
local track
for t in tl:iter() do track = t end
assert(track, "no MIDI track")

-- Lua in 7.3 can neither import MIDI nor make an empty MIDI region, but
-- bouncing a range of this still instrument-less track yields one.
local region = track:bounce_range(0, len, ARDOUR.InterThreadInfo(),
                                  track:main_outs(), false, "")
assert(not region:isnil(), "bounce_range gave no region")
track:playlist():add_region(region, Temporal.timepos_t(0), 1, false, 0, 0,
                            false)

local proc = ARDOUR.LuaAPI.new_plugin(Session, "urn:cadenza:lv2",
                                      ARDOUR.PluginType.LV2, "")
assert(not proc:isnil(), "Cadenza not found in LV2_PATH")
assert(track:add_processor_by_index(proc, 0, nil, true) == 0,
       "could not add Cadenza")

-- Automation lists count controls (temperature is the 4th, n = 3) ...
local plug = proc:to_insert():plugin(0)
local port, ok = plug:nth_parameter(3, true)
assert(ok and plug:parameter_label(port) == "Temperature",
       "control 3 is not Temperature")
local al, cl = ARDOUR.LuaAPI.plugin_automation(proc, 3)
assert(not al:isnil(), "no automation list")
for i = 0, 10 do
  cl:add(Temporal.timepos_t(math.floor(len * i / 10)), lo + (hi - lo) * i / 10,
         false, true)
end
-- ... automation controls the LV2 port index.
local ac = proc:to_automatable():automation_control(
  Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, port), false)
assert(not ac:isnil(), "no automation control")
ac:set_automation_state(ARDOUR.AutoState.Play)

-- The track's outputs to the master bus, here: Ardour connects them from
-- its auto-connect thread, which under load had not run yet when the
-- session was saved, and the export was silent (seen while testing
-- issue 9 on a busy machine).
local outs, master_in = track:output(), Session:master_out():input()
for c = 0, 1 do
  local port = outs:audio(c)
  local to = master_in:audio(c):name()
  if not port:connected_to(to) then
    assert(port:connect(to) == 0, "cannot connect " .. port:name() .. " to " .. to)
  end
end

Session:save_state("", false, false, false, false, false)
print("session saved: " .. dir .. ", " .. len .. " frames")
close_session()
