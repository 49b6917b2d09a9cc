"""Output: the GitOps tree. The pure output plan, the one atomic writer, the Argo CD
and Flux objects, the commits of the branch layout."""
