# zone module: sources are added here
