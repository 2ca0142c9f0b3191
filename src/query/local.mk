# query module: sources are added here
