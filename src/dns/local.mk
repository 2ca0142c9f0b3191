# dns module: sources are added here
