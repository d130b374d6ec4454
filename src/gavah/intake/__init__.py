"""Getting evidence in: files and folders now; web captures and offline bundles later."""
