# unit tests for query
