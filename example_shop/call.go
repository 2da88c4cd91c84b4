package main

func runCall(args []string) int { return callCommand(args) }
