// zlib through a system-library target: Foundation on Linux has no compression.
#include <zlib.h>
