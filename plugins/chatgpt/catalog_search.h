/* catalog_search.h - search_products over the catalog index (catalog_index.h). */
#ifndef CHATGPT_CATALOG_SEARCH_H
#define CHATGPT_CATALOG_SEARCH_H

#include <jansson.h>

#include "chatgpt.h"

#define SEARCH_LIMIT_DEFAULT 10
#define SEARCH_LIMIT_MAX 50
#define SEARCH_VARIANTS_MAX 30 /* variants listed per product in a result */

/* args: {query?, category?, brand?, size?, colour?, min_price?, max_price?,
 * in_stock_only?, sort?: relevance|price_asc|price_desc|title, limit?, cursor?}
 * -> {products:[...], total, next_cursor?, facets:{brand, category, size, colour}}
 * or NULL with err (bad cursor). */
json_t *catalog_search(struct chatgpt *g, json_t *products, json_t *variants, const json_t *args,
                       char *err, size_t err_len);

/* The public view of one variant / one product (tools and search). NEW objects. */
json_t *catalog_variant_view(const json_t *entry);
json_t *catalog_product_view(const json_t *product, json_t *variants);

#endif
