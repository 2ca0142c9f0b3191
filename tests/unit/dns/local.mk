# unit tests for dns
