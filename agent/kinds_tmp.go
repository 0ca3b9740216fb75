package agent

// TEMPORARY until the agentc branch lands.
const (
	kindChild = 4
	kindImage = 5
)
