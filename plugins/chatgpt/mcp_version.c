/* mcp_version.c - the MCP revisions this server speaks. */
#include <string.h>

#include "mcp.h"

static const char *const versions[] = {MCP_MODERN, "2025-11-25", "2025-06-18", NULL};

int mcp_version_supported(const char *v)
{
    if (!v) return 0;
    for (int i = 0; versions[i]; i++)
        if (strcmp(v, versions[i]) == 0) return 1;
    return 0;
}

int mcp_version_modern(const char *v) { return v && strcmp(v, MCP_MODERN) == 0; }

json_t *mcp_supported_versions(void)
{
    json_t *a = json_array();
    for (int i = 0; versions[i]; i++) json_array_append_new(a, json_string(versions[i]));
    return a;
}
