"""schema.py - the slice of the Admin GraphQL schema the simulator serves.

Output types name each field's type ("ID", "Product", "[InventoryQuantity]",
"ProductVariantConnection"); a type absent from OBJECTS is a scalar or enum (cost 0).
`...Connection` and `...Edge` types are derived (nodes, edges{cursor node}, pageInfo).
Input types are used to coerce mutation arguments the way GraphQL does (unknown
field, wrong scalar, missing non-null -> a top-level error, nothing applied).

Field names and types follow shopify.dev/docs/api/admin-graphql/<version> for the
objects shopify.md §3/§4 names; only the fields a sync plugin plausibly reads are here,
and any other field is answered with Shopify's "Field 'x' doesn't exist on type 'Y'".
"""

OBJECTS = {
    "Shop": {"id": "ID", "name": "String", "myshopifyDomain": "String", "currencyCode": "CurrencyCode",
             "ianaTimezone": "String", "plan": "ShopPlan"},
    "ShopPlan": {"displayName": "String", "partnerDevelopment": "Boolean", "shopifyPlus": "Boolean"},
    "Location": {"id": "ID", "legacyResourceId": "UnsignedInt64", "name": "String", "isActive": "Boolean",
                 "fulfillsOnlineOrders": "Boolean",
                 "inventoryLevels": "InventoryLevelConnection", "inventoryLevel": "InventoryLevel"},
    "Product": {"id": "ID", "legacyResourceId": "UnsignedInt64", "title": "String", "handle": "String",
                "status": "ProductStatus", "vendor": "String", "productType": "String",
                "descriptionHtml": "HTML", "tags": "[String]", "createdAt": "DateTime", "updatedAt": "DateTime",
                "totalInventory": "Int", "tracksInventory": "Boolean",
                "options": "[ProductOption]", "variants": "ProductVariantConnection",
                "variantsCount": "Count", "media": "MediaConnection"},
    "Count": {"count": "Int", "precision": "CountPrecision"},
    "ProductOption": {"id": "ID", "name": "String", "position": "Int", "values": "[String]",
                      "optionValues": "[ProductOptionValue]"},
    "ProductOptionValue": {"id": "ID", "name": "String", "hasVariants": "Boolean"},
    "ProductVariant": {"id": "ID", "legacyResourceId": "UnsignedInt64", "title": "String", "sku": "String",
                       "barcode": "String", "price": "Money", "compareAtPrice": "Money",
                       "position": "Int", "inventoryQuantity": "Int", "inventoryPolicy": "ProductVariantInventoryPolicy",
                       "availableForSale": "Boolean", "createdAt": "DateTime", "updatedAt": "DateTime",
                       "displayName": "String",
                       "selectedOptions": "[SelectedOption]", "product": "Product", "inventoryItem": "InventoryItem"},
    "SelectedOption": {"name": "String", "value": "String"},
    "MediaImage": {"id": "ID", "alt": "String", "mediaContentType": "MediaContentType", "status": "MediaStatus",
                   "image": "Image", "preview": "MediaPreviewImage"},
    "MediaPreviewImage": {"image": "Image", "status": "MediaPreviewImageStatus"},
    "Image": {"id": "ID", "url": "URL", "altText": "String", "width": "Int", "height": "Int"},
    "InventoryItem": {"id": "ID", "legacyResourceId": "UnsignedInt64", "sku": "String", "tracked": "Boolean",
                      "requiresShipping": "Boolean", "createdAt": "DateTime", "updatedAt": "DateTime",
                      "variant": "ProductVariant", "inventoryLevels": "InventoryLevelConnection",
                      "inventoryLevel": "InventoryLevel"},
    "InventoryLevel": {"id": "ID", "quantities": "[InventoryQuantity]", "item": "InventoryItem",
                       "location": "Location", "updatedAt": "DateTime", "createdAt": "DateTime",
                       "canDeactivate": "Boolean"},
    "InventoryQuantity": {"id": "ID", "name": "String", "quantity": "Int", "updatedAt": "DateTime"},
    "InventoryAdjustmentGroup": {"id": "ID", "createdAt": "DateTime", "reason": "String",
                                 "referenceDocumentUri": "String", "changes": "[InventoryChange]"},
    "InventoryChange": {"name": "String", "delta": "Int", "quantityAfterChange": "Int",
                        "ledgerDocumentUri": "String", "item": "InventoryItem", "location": "Location"},
    "Order": {"id": "ID", "legacyResourceId": "UnsignedInt64", "name": "String", "email": "String",
              "createdAt": "DateTime", "updatedAt": "DateTime", "processedAt": "DateTime",
              "cancelledAt": "DateTime", "cancelReason": "OrderCancelReason", "closed": "Boolean",
              "closedAt": "DateTime", "displayFinancialStatus": "OrderDisplayFinancialStatus",
              "displayFulfillmentStatus": "OrderDisplayFulfillmentStatus", "currencyCode": "CurrencyCode",
              "totalPriceSet": "MoneyBag", "subtotalPriceSet": "MoneyBag", "test": "Boolean",
              "lineItems": "LineItemConnection", "fulfillmentOrders": "FulfillmentOrderConnection",
              "fulfillments": "[Fulfillment]"},
    "MoneyBag": {"shopMoney": "MoneyV2", "presentmentMoney": "MoneyV2"},
    "MoneyV2": {"amount": "Decimal", "currencyCode": "CurrencyCode"},
    "LineItem": {"id": "ID", "name": "String", "title": "String", "sku": "String", "quantity": "Int",
                 "currentQuantity": "Int", "unfulfilledQuantity": "Int", "variant": "ProductVariant",
                 "product": "Product", "originalUnitPriceSet": "MoneyBag",
                 "discountedUnitPriceSet": "MoneyBag", "variantTitle": "String"},
    "FulfillmentOrder": {"id": "ID", "status": "FulfillmentOrderStatus", "createdAt": "DateTime",
                         "updatedAt": "DateTime", "orderId": "ID", "order": "Order",
                         "assignedLocation": "FulfillmentOrderAssignedLocation",
                         "lineItems": "FulfillmentOrderLineItemConnection",
                         "supportedActions": "[FulfillmentOrderSupportedAction]"},
    "FulfillmentOrderSupportedAction": {"action": "FulfillmentOrderAction"},
    "FulfillmentOrderAssignedLocation": {"name": "String", "location": "Location"},
    "FulfillmentOrderLineItem": {"id": "ID", "totalQuantity": "Int", "remainingQuantity": "Int",
                                 "sku": "String", "lineItem": "LineItem", "variant": "ProductVariant",
                                 "inventoryItemId": "ID"},
    "Fulfillment": {"id": "ID", "legacyResourceId": "UnsignedInt64", "name": "String", "status": "FulfillmentStatus",
                    "createdAt": "DateTime", "updatedAt": "DateTime", "trackingInfo": "[FulfillmentTrackingInfo]",
                    "order": "Order", "location": "Location",
                    "fulfillmentLineItems": "FulfillmentLineItemConnection"},
    "FulfillmentLineItem": {"id": "ID", "quantity": "Int", "lineItem": "LineItem"},
    "FulfillmentTrackingInfo": {"company": "String", "number": "String", "url": "URL"},
    "WebhookSubscription": {"id": "ID", "legacyResourceId": "UnsignedInt64", "topic": "WebhookSubscriptionTopic",
                            "format": "WebhookSubscriptionFormat", "uri": "String",
                            "callbackUrl": "URL", "includeFields": "[String]", "filter": "String",
                            "createdAt": "DateTime", "updatedAt": "DateTime",
                            "endpoint": "WebhookHttpEndpoint"},
    "WebhookHttpEndpoint": {"callbackUrl": "URL"},
    "PageInfo": {"hasNextPage": "Boolean", "hasPreviousPage": "Boolean", "startCursor": "String",
                 "endCursor": "String"},
    # productCreate/productUpdate/fulfillmentCreate/webhookSubscriptionCreate answer plain UserError
    # (no `code`); the inventory, productSet and bulk variant mutations have coded errors.
    "UserError": {"field": "[String]", "message": "String"},
    "CodedUserError": {"field": "[String]", "message": "String", "code": "String"},
}

# Every mutation payload's userErrors has {field message code}; some name it differently.
PAYLOADS = {
    "InventorySetQuantitiesPayload": {"inventoryAdjustmentGroup": "InventoryAdjustmentGroup",
                                      "userErrors": "[CodedUserError]"},
    "InventoryAdjustQuantitiesPayload": {"inventoryAdjustmentGroup": "InventoryAdjustmentGroup",
                                         "userErrors": "[CodedUserError]"},
    "ProductSetPayload": {"product": "Product", "productSetOperation": "ProductSetOperation",
                          "userErrors": "[CodedUserError]"},
    "ProductSetOperation": {"id": "ID", "status": "ProductOperationStatus", "product": "Product"},
    "ProductCreatePayload": {"product": "Product", "userErrors": "[UserError]"},
    "ProductUpdatePayload": {"product": "Product", "userErrors": "[UserError]"},
    "ProductVariantsBulkCreatePayload": {"product": "Product", "productVariants": "[ProductVariant]",
                                         "userErrors": "[CodedUserError]"},
    "ProductVariantsBulkUpdatePayload": {"product": "Product", "productVariants": "[ProductVariant]",
                                         "userErrors": "[CodedUserError]"},
    "FulfillmentCreatePayload": {"fulfillment": "Fulfillment", "userErrors": "[UserError]"},
    "WebhookSubscriptionCreatePayload": {"webhookSubscription": "WebhookSubscription",
                                         "userErrors": "[UserError]"},
    "WebhookSubscriptionDeletePayload": {"deletedWebhookSubscriptionId": "ID", "userErrors": "[UserError]"},
}
OBJECTS.update(PAYLOADS)
OBJECTS["Media"] = OBJECTS["MediaImage"]  # the Media interface: every media here is a MediaImage

CONNECTION_ARGS = {"first", "last", "after", "before", "reverse", "query", "sortKey"}

# Root fields: name -> (type, accepted arguments, required arguments).
QUERY_ROOT = {
    "shop": ("Shop", set(), set()),
    "location": ("Location", {"id"}, set()),
    "locations": ("LocationConnection", CONNECTION_ARGS | {"includeInactive", "includeLegacy"}, set()),
    "product": ("Product", {"id"}, {"id"}),
    "products": ("ProductConnection", CONNECTION_ARGS | {"savedSearchId"}, set()),
    "productVariant": ("ProductVariant", {"id"}, {"id"}),
    "productVariants": ("ProductVariantConnection", CONNECTION_ARGS | {"savedSearchId"}, set()),
    "inventoryItem": ("InventoryItem", {"id"}, {"id"}),
    "inventoryItems": ("InventoryItemConnection", CONNECTION_ARGS, set()),
    "inventoryLevel": ("InventoryLevel", {"id"}, {"id"}),
    "order": ("Order", {"id"}, {"id"}),
    "orders": ("OrderConnection", CONNECTION_ARGS | {"savedSearchId"}, set()),
    "fulfillmentOrder": ("FulfillmentOrder", {"id"}, {"id"}),
    "webhookSubscriptions": ("WebhookSubscriptionConnection", CONNECTION_ARGS | {"topics", "callbackUrl", "format"},
                             set()),
}

MUTATION_ROOT = {
    "inventorySetQuantities": ("InventorySetQuantitiesPayload", {"input": "InventorySetQuantitiesInput!"}),
    "inventoryAdjustQuantities": ("InventoryAdjustQuantitiesPayload", {"input": "InventoryAdjustQuantitiesInput!"}),
    "productSet": ("ProductSetPayload", {"input": "ProductSetInput!", "synchronous": "Boolean",
                                         "identifier": "ProductSetIdentifiers"}),
    "productCreate": ("ProductCreatePayload", {"product": "ProductCreateInput", "input": "ProductInput",
                                               "media": "[CreateMediaInput!]"}),
    "productUpdate": ("ProductUpdatePayload", {"product": "ProductUpdateInput", "input": "ProductInput",
                                               "media": "[CreateMediaInput!]"}),
    "productVariantsBulkCreate": ("ProductVariantsBulkCreatePayload",
                                  {"productId": "ID!", "variants": "[ProductVariantsBulkInput!]!",
                                   "media": "[CreateMediaInput!]", "strategy": "ProductVariantsBulkCreateStrategy"}),
    "productVariantsBulkUpdate": ("ProductVariantsBulkUpdatePayload",
                                  {"productId": "ID!", "variants": "[ProductVariantsBulkInput!]!",
                                   "media": "[CreateMediaInput!]", "allowPartialUpdates": "Boolean"}),
    "fulfillmentCreate": ("FulfillmentCreatePayload", {"fulfillment": "FulfillmentInput!", "message": "String"}),
    "fulfillmentCreateV2": ("FulfillmentCreatePayload", {"fulfillment": "FulfillmentInput!", "message": "String"}),
    "webhookSubscriptionCreate": ("WebhookSubscriptionCreatePayload",
                                  {"topic": "WebhookSubscriptionTopic!",
                                   "webhookSubscription": "WebhookSubscriptionInput!"}),
    "webhookSubscriptionDelete": ("WebhookSubscriptionDeletePayload", {"id": "ID!"}),
}

# Mutations that take @idempotent(key:) (shopify.md §4: the inventory adjustment mutations).
IDEMPOTENT_MUTATIONS = {"inventorySetQuantities", "inventoryAdjustQuantities"}

ENUMS = {
    "WebhookSubscriptionTopic": {"ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "ORDERS_FULFILLED",
                                 "ORDERS_PAID", "REFUNDS_CREATE", "PRODUCTS_CREATE", "PRODUCTS_UPDATE",
                                 "PRODUCTS_DELETE", "INVENTORY_LEVELS_UPDATE", "INVENTORY_ITEMS_UPDATE",
                                 "FULFILLMENTS_CREATE", "APP_UNINSTALLED"},
    "WebhookSubscriptionFormat": {"JSON", "XML"},
    "ProductStatus": {"ACTIVE", "ARCHIVED", "DRAFT", "UNLISTED"},
    "ProductVariantInventoryPolicy": {"DENY", "CONTINUE"},
    "MediaContentType": {"IMAGE", "VIDEO", "EXTERNAL_VIDEO", "MODEL_3D"},
    "ProductVariantsBulkCreateStrategy": {"DEFAULT", "REMOVE_STANDALONE_VARIANT", "PRESERVE_STANDALONE_VARIANT"},
    "WeightUnit": {"GRAMS", "KILOGRAMS", "OUNCES", "POUNDS"},
}

SCALARS = {"ID", "String", "Int", "Float", "Boolean", "Money", "Decimal", "URL", "HTML", "DateTime",
           "UnsignedInt64", "JSON"}


def inputs_for(version):
    """Input object types as of `version` (shopify.md §4: 2026-04 drops compareQuantity and
    ignoreCompareQuantity; changeFromQuantity exists from 2026-01)."""
    qty = {"inventoryItemId": "ID!", "locationId": "ID!", "quantity": "Int!"}
    change = {"inventoryItemId": "ID!", "locationId": "ID!", "delta": "Int!", "ledgerDocumentUri": "String"}
    set_in = {"name": "String!", "reason": "String!", "referenceDocumentUri": "String",
              "quantities": "[InventoryQuantityInput!]!"}
    if version < "2026-04":
        qty["compareQuantity"] = "Int"
        set_in["ignoreCompareQuantity"] = "Boolean"
    if version >= "2026-01":
        qty["changeFromQuantity"] = "Int"
        change["changeFromQuantity"] = "Int"
    variant_common = {"sku": "String", "barcode": "String", "price": "Money", "compareAtPrice": "Money",
                      "taxable": "Boolean", "inventoryPolicy": "ProductVariantInventoryPolicy",
                      "inventoryItem": "InventoryItemInput", "inventoryQuantities": None,
                      "optionValues": "[VariantOptionValueInput!]", "mediaSrc": "[String!]", "mediaId": "ID"}
    # ProductVariantsBulkInput has no `sku` since 2024-04: it moved to inventoryItem.sku.
    bulk = dict(variant_common, id="ID", inventoryQuantities="[InventoryLevelInput!]")
    del bulk["sku"]
    pset_variant = dict(variant_common, id="ID", position="Int", file="FileSetInput",
                        inventoryQuantities="[ProductSetInventoryInput!]")
    del pset_variant["mediaSrc"]
    product_fields = {"title": "String", "handle": "String", "descriptionHtml": "String", "vendor": "String",
                      "productType": "String", "status": "ProductStatus", "tags": "[String!]",
                      "templateSuffix": "String", "seo": "SEOInput", "category": "ID", "giftCard": "Boolean",
                      "requiresSellingPlan": "Boolean"}
    return {
        "InventorySetQuantitiesInput": set_in,
        "InventoryQuantityInput": qty,
        "InventoryAdjustQuantitiesInput": {"name": "String!", "reason": "String!", "referenceDocumentUri": "String",
                                           "changes": "[InventoryChangeInput!]!"},
        "InventoryChangeInput": change,
        "ProductSetInput": dict(product_fields, id="ID", productOptions="[OptionSetInput!]",
                                variants="[ProductVariantSetInput!]", files="[FileSetInput!]",
                                metafields="[MetafieldInput!]"),
        "ProductSetIdentifiers": {"id": "ID", "handle": "String", "customId": "UniqueMetafieldValueInput"},
        "OptionSetInput": {"id": "ID", "name": "String", "position": "Int", "values": "[OptionValueSetInput!]"},
        "OptionValueSetInput": {"id": "ID", "name": "String"},
        "ProductVariantSetInput": pset_variant,
        "VariantOptionValueInput": {"id": "ID", "name": "String", "optionId": "ID", "optionName": "String",
                                    "linkedMetafieldValue": "String"},
        "ProductSetInventoryInput": {"locationId": "ID!", "name": "String!", "quantity": "Int!"},
        "InventoryLevelInput": {"locationId": "ID!", "availableQuantity": "Int!"},
        "InventoryItemInput": {"tracked": "Boolean", "cost": "Decimal", "sku": "String",
                               "requiresShipping": "Boolean", "countryCodeOfOrigin": "String",
                               "harmonizedSystemCode": "String", "measurement": "JSON"},
        "FileSetInput": {"id": "ID", "originalSource": "String", "alt": "String", "contentType": "FileContentType",
                         "filename": "String", "duplicateResolutionMode": "FileCreateInputDuplicateResolutionMode"},
        "CreateMediaInput": {"originalSource": "String!", "alt": "String", "mediaContentType": "MediaContentType!"},
        "MetafieldInput": {"namespace": "String", "key": "String", "value": "String", "type": "String", "id": "ID"},
        "SEOInput": {"title": "String", "description": "String"},
        "UniqueMetafieldValueInput": {"namespace": "String", "key": "String!", "value": "String!"},
        "ProductCreateInput": dict(product_fields, productOptions="[OptionCreateInput!]"),
        "ProductUpdateInput": dict(product_fields, id="ID"),
        "ProductInput": dict(product_fields, id="ID", productOptions="[OptionCreateInput!]"),
        "OptionCreateInput": {"name": "String", "position": "Int", "values": "[OptionValueCreateInput!]"},
        "OptionValueCreateInput": {"name": "String", "linkedMetafieldValue": "String"},
        "ProductVariantsBulkInput": bulk,
        "FulfillmentInput": {"lineItemsByFulfillmentOrder": "[FulfillmentOrderLineItemsInput!]!",
                             "trackingInfo": "FulfillmentTrackingInput", "notifyCustomer": "Boolean",
                             "originAddress": "JSON"},
        "FulfillmentOrderLineItemsInput": {"fulfillmentOrderId": "ID!",
                                           "fulfillmentOrderLineItems": "[FulfillmentOrderLineItemInput!]"},
        "FulfillmentOrderLineItemInput": {"id": "ID!", "quantity": "Int!"},
        "FulfillmentTrackingInput": {"company": "String", "number": "String", "url": "URL",
                                     "numbers": "[String!]", "urls": "[URL!]"},
        "WebhookSubscriptionInput": {"callbackUrl": "URL", "uri": "String", "format": "WebhookSubscriptionFormat",
                                     "includeFields": "[String!]", "metafieldNamespaces": "[String!]",
                                     "filter": "String"},
    }


def field_type(type_name, field):
    """The declared type of `field` on object `type_name`, or None."""
    if type_name.endswith("Connection"):
        node = type_name[:-len("Connection")]
        return {"nodes": f"[{node}]", "edges": f"[{node}Edge]", "pageInfo": "PageInfo"}.get(field)
    if type_name.endswith("Edge"):
        return {"node": type_name[:-len("Edge")], "cursor": "String"}.get(field)
    return OBJECTS.get(type_name, {}).get(field)


def is_object(type_name):
    t = type_name.strip("[]!")
    return t in OBJECTS or t.endswith("Connection") or t.endswith("Edge")
