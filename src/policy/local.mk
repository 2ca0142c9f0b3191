# policy module: sources are added here
