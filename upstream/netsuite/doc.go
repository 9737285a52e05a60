// Package netsuite is the client of NetSuite's SuiteTalk REST web services for custgraph.
package netsuite
