/** Work in progress: the package API lands with its issue. */
export {}
