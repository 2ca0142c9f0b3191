# server module: sources are added here
