// Package count writes counted nouns for messages to people and models:
// "1 memory", "2 memories".
package count
