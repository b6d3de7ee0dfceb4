// The Node library: the daemon's parts, one folder each (placement, monitor, state machine,
// engines, the loop that owns Raft, storage and the endpoint). The benchmark, simulation
// and wire tools live in EdgeRaftTools, so the daemon carries none of their code.
