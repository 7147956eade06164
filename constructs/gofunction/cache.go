package gofunction

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction/internal/buildcache"
)

// cacheID is the id of the construct that holds a construct tree's build
// cache, a child of the tree's root (the App).
const cacheID = "StratusGoFunctionBuildCache"

// appCache owns the build cache of one construct tree: made by the first
// New in the tree, found by the others, gone with the App. The stages of an
// App share their binaries; two Apps, in tests or parallel synths, share
// nothing but the cache folder on disk. It is a construct without resources:
// no template changes, only tree.json names it.
type appCache struct {
	constructs.Construct
	cache *buildcache.Cache
}

// ToString overrides Construct.ToString with what it returns (the path):
// jsii needs a Go struct standing for a JavaScript construct to override a
// method, and returns that struct, not a proxy, from TryFindChild.
func (a *appCache) ToString() *string { return a.Node().Path() }

// cacheOf is the build cache of scope's construct tree, kept in the user's
// cache folder (buildcache.InUserCacheDir).
func cacheOf(scope constructs.Construct) *buildcache.Cache {
	root := scope.Node().Root()
	if a, ok := root.Node().TryFindChild(jsii.String(cacheID)).(*appCache); ok {
		return a.cache
	}
	a := &appCache{cache: buildcache.InUserCacheDir()}
	parent, ok := root.(constructs.Construct)
	if !ok {
		return a.cache // a root jsii cannot parent to: a cache for this function alone
	}
	constructs.NewConstruct_Override(a, parent, jsii.String(cacheID))
	return a.cache
}
