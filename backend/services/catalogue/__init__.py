"""The insurer's catalogue (医保目录) and the institutions' item mappings (目录对照), R18."""
