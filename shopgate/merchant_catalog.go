package shopgate

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// Merchant API item and category actions (single-record catalogue
// updates; full exports go through the Plugin API).
const (
	ActionGetItems               = "get_items"
	ActionAddItem                = "add_item"
	ActionUpdateItem             = "update_item"
	ActionDeleteItem             = "delete_item"
	ActionBatchAddItems          = "batch_add_items"
	ActionBatchUpdateItems       = "batch_update_items"
	ActionGetCategories          = "get_categories"
	ActionAddCategory            = "add_category"
	ActionUpdateCategory         = "update_category"
	ActionDeleteCategory         = "delete_category"
	ActionAddItemToCategory      = "add_item_to_category"
	ActionDeleteItemFromCategory = "delete_item_from_category"
)

// Item is a product for the Merchant API item actions. Only ItemNumber is
// always sent; every other field is sent only when set (non-nil), so an
// update_item changes exactly the fields given. Use [Ptr] to set them.
type Item struct {
	// ItemNumber is the shop's product id (key; always sent).
	ItemNumber string `json:"item_number"`
	// Name is the product name.
	Name *string `json:"name,omitempty"`
	// Currency is the ISO 4217 currency of the amounts.
	Currency *string `json:"currency,omitempty"`
	// TaxPercent is the tax rate.
	TaxPercent *decimal.Decimal `json:"tax_percent,omitempty"`
	// UnitAmountWithTax is the price, tax included.
	UnitAmountWithTax *decimal.Decimal `json:"unit_amount_with_tax,omitempty"`
	// TaxClassKey is the shop's tax class key.
	TaxClassKey *string `json:"tax_class_key,omitempty"`
	// TaxClassID is the shop's tax class id.
	TaxClassID *string `json:"tax_class_id,omitempty"`
	// OldUnitAmountWithTax is the former (struck-through) price.
	OldUnitAmountWithTax *decimal.Decimal `json:"old_unit_amount_with_tax,omitempty"`
	// CategoryNumbers are the categories the item belongs to.
	CategoryNumbers []string `json:"category_numbers,omitempty"`
	// ItemNumberPublic is the public article number (SKU).
	ItemNumberPublic *string `json:"item_number_public,omitempty"`
	// ParentItemNumber makes the item a variant of that parent.
	ParentItemNumber *string `json:"parent_item_number,omitempty"`
	// Manufacturer is the manufacturer name.
	Manufacturer *string `json:"manufacturer,omitempty"`
	// ManufacturerNumber is the manufacturer's article number.
	ManufacturerNumber *string `json:"manufacturer_number,omitempty"`
	// Description is the description (HTML allowed).
	Description *string `json:"description,omitempty"`
	// ShippingCostsPerOrder are fixed shipping costs per order.
	ShippingCostsPerOrder *decimal.Decimal `json:"shipping_costs_per_order,omitempty"`
	// ShippingCostsPerUnit are shipping costs per unit.
	ShippingCostsPerUnit *decimal.Decimal `json:"shipping_costs_per_unit,omitempty"`
	// IsFreeShipping marks free shipping.
	IsFreeShipping *bool `json:"is_free_shipping,omitempty"`
	// MSRP is the manufacturer's suggested retail price.
	MSRP *decimal.Decimal `json:"msrp,omitempty"`
	// Tags are search tags.
	Tags *string `json:"tags,omitempty"`
	// AgeRating is the minimum buyer age.
	AgeRating *int `json:"age_rating,omitempty"`
	// Weight is the weight in grams.
	Weight *int `json:"weight,omitempty"`
	// EAN is the EAN/GTIN.
	EAN *string `json:"ean,omitempty"`
	// ISBN is the ISBN.
	ISBN *string `json:"isbn,omitempty"`
	// PZN is the German pharmacy number.
	PZN *string `json:"pzn,omitempty"`
	// AmountInfoText is the base price text, e.g. "1 l = 2.00 EUR".
	AmountInfoText *string `json:"amount_info_text,omitempty"`
	// InternalOrderInfo is handed back unchanged in orders.
	InternalOrderInfo *string `json:"internal_order_info,omitempty"`
	// UseStock enables stock keeping.
	UseStock *bool `json:"use_stock,omitempty"`
	// StockQuantity is the quantity in stock.
	StockQuantity *int `json:"stock_quantity,omitempty"`
	// IsHighlight marks a highlighted item.
	IsHighlight *bool `json:"is_highlight,omitempty"`
	// HighlightOrderIndex orders highlighted items.
	HighlightOrderIndex *int `json:"highlight_order_index,omitempty"`
	// IsAvailable marks the item as available.
	IsAvailable *bool `json:"is_available,omitempty"`
	// AvailableText is the availability text.
	AvailableText *string `json:"available_text,omitempty"`
	// HasImage says whether the item has images.
	HasImage *bool `json:"has_image,omitempty"`
	// ImageCount is the number of images.
	ImageCount *int `json:"image_count,omitempty"`
	// IsNotOrderable forbids ordering the item.
	IsNotOrderable *bool `json:"is_not_orderable,omitempty"`
	// IsMarketplace marks a marketplace item.
	IsMarketplace *bool `json:"is_marketplace,omitempty"`
	// IsActive activates the item.
	IsActive *bool `json:"is_active,omitempty"`
	// IsAutoUpdate lets Shopgate update the item automatically.
	IsAutoUpdate *bool `json:"is_auto_update,omitempty"`
	// Attribute1 is free attribute 1.
	Attribute1 *string `json:"attribute_1,omitempty"`
	// Attribute2 is free attribute 2.
	Attribute2 *string `json:"attribute_2,omitempty"`
	// Attribute3 is free attribute 3.
	Attribute3 *string `json:"attribute_3,omitempty"`
	// Attribute4 is free attribute 4.
	Attribute4 *string `json:"attribute_4,omitempty"`
	// Attribute5 is free attribute 5.
	Attribute5 *string `json:"attribute_5,omitempty"`
	// Attribute6 is free attribute 6.
	Attribute6 *string `json:"attribute_6,omitempty"`
	// Attribute7 is free attribute 7.
	Attribute7 *string `json:"attribute_7,omitempty"`
	// Attribute8 is free attribute 8.
	Attribute8 *string `json:"attribute_8,omitempty"`
	// Attribute9 is free attribute 9.
	Attribute9 *string `json:"attribute_9,omitempty"`
	// Attribute10 is free attribute 10.
	Attribute10 *string `json:"attribute_10,omitempty"`
	// Properties is sent as given (a string or a nested structure).
	Properties any `json:"properties,omitempty"`
	// DeeplinkOnlineshop is the item's URL in the web shop.
	DeeplinkOnlineshop *string `json:"deeplink_onlineshop,omitempty"`
	// RelatedItemNumbers are related items.
	RelatedItemNumbers []string `json:"related_item_numbers,omitempty"`
	// Options are selectable options.
	Options []ItemOption `json:"options,omitempty"`
	// Inputs are text or image inputs.
	Inputs []ItemInput `json:"inputs,omitempty"`
	// Extra holds further fields, sent unchanged; they do not override the
	// fields above.
	Extra map[string]any `json:"-"`
}

// ItemOption is a selectable option of an [Item].
type ItemOption struct {
	// OptionNumber is the shop's option id.
	OptionNumber string `json:"option_number"`
	// Name is the option name.
	Name string `json:"name"`
	// OrderIndex is the sort position.
	OrderIndex *int `json:"order_index,omitempty"`
	// OptionValues are the selectable values.
	OptionValues []OptionValue `json:"option_values,omitempty"`
}

// OptionValue is one value of an [ItemOption].
type OptionValue struct {
	// ValueNumber is the shop's value id.
	ValueNumber string `json:"value_number"`
	// Value is the value text.
	Value string `json:"value"`
	// OrderIndex is the sort position.
	OrderIndex *int `json:"order_index,omitempty"`
	// AdditionalAmountWithTax is the surcharge, tax included.
	AdditionalAmountWithTax *decimal.Decimal `json:"additional_amount_with_tax,omitempty"`
}

// ItemInput is a text or image input of an [Item].
type ItemInput struct {
	// InputNumber is the shop's input id.
	InputNumber string `json:"input_number"`
	// Type is text or image.
	Type string `json:"type"`
	// AdditionalAmountWithTax is the surcharge, tax included.
	AdditionalAmountWithTax *decimal.Decimal `json:"additional_amount_with_tax,omitempty"`
	// Label is the input label.
	Label string `json:"label,omitempty"`
	// InfoText is the help text.
	InfoText string `json:"info_text,omitempty"`
	// IsRequired makes the input mandatory.
	IsRequired *bool `json:"is_required,omitempty"`
}

// Ptr returns a pointer to v, for the optional fields of [Item] and
// [Category].
func Ptr[T any](v T) *T { return &v }

// UnmarshalJSON decodes an item leniently (PHP number and flag conventions).
func (it *Item) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, it) }

// structToParams turns a wire struct into form parameters: unset optional
// fields disappear, decimals become their exact text, flags stay bool (sent
// as 1/0).
func structToParams(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	generic, err := decodeGeneric(b)
	if err != nil {
		return nil, err
	}
	m, ok := generic.(map[string]any)
	if !ok {
		return nil, errors.New("not an object")
	}
	return m, nil
}

func (it Item) params() (map[string]any, error) {
	m, err := structToParams(it)
	if err != nil {
		return nil, err
	}
	for k, v := range it.Extra {
		if _, set := m[k]; !set {
			m[k] = v
		}
	}
	return m, nil
}

// ItemFilter selects items for get_items. The filter names are not
// verified against Shopgate's docs; Params is passed through for others.
type ItemFilter struct {
	// ItemNumbers restricts the answer to these items.
	ItemNumbers []string
	// Limit is the page size (0 = server default).
	Limit int
	// Offset is the number of items to skip.
	Offset int
	// Params are further filter fields, sent unchanged.
	Params map[string]any
}

// ItemsPage is one page of get_items.
type ItemsPage struct {
	// Items are the items of this page.
	Items []Item
	// Limit is the page size the server applied.
	Limit int
	// Offset is the offset the server applied.
	Offset int
	// HasMoreResults reports whether more items follow.
	HasMoreResults bool
}

func filterParams(numbersKey string, numbers []string, limit, offset int, extra map[string]any) map[string]any {
	p := make(map[string]any, len(extra)+3)
	for k, v := range extra {
		p[k] = v
	}
	if len(numbers) > 0 {
		p[numbersKey] = append([]string(nil), numbers...)
	}
	if limit > 0 {
		p["limit"] = limit
	}
	if offset > 0 {
		p["offset"] = offset
	}
	return p
}

// GetItems lists items known to Shopgate (action get_items).
func (c *Client) GetItems(ctx context.Context, f ItemFilter) (*ItemsPage, error) {
	r, err := c.Do(ctx, ActionGetItems, filterParams("item_numbers", f.ItemNumbers, f.Limit, f.Offset, f.Params))
	if err != nil {
		return nil, err
	}
	page := &ItemsPage{Limit: r.Limit, Offset: r.Offset, HasMoreResults: r.HasMoreResults}
	if err := decodeList(r, "items", &page.Items); err != nil {
		return nil, payloadError(ActionGetItems, r, err)
	}
	return page, nil
}

// decodeList decodes the required list payload key into v.
func decodeList(r *Response, key string, v any) error {
	raw, ok := r.Payload[key]
	if !ok || !isJSONArrayOrObject(raw) {
		return errors.New(`answer has no "` + key + `" list`)
	}
	_, err := r.DecodePayload(key, v)
	return err
}

func (c *Client) sendItem(ctx context.Context, action string, it Item) (*Response, error) {
	if strings.TrimSpace(it.ItemNumber) == "" {
		return nil, invalidArgument(action, "empty item number")
	}
	p, err := it.params()
	if err != nil {
		return nil, invalidArgument(action, "item %s: %v", it.ItemNumber, err)
	}
	return c.Do(ctx, action, p)
}

// AddItem adds a product (action add_item). Error 221: it exists already.
func (c *Client) AddItem(ctx context.Context, it Item) (*Response, error) {
	return c.sendItem(ctx, ActionAddItem, it)
}

// UpdateItem changes the fields set in it (action update_item). Error 206:
// unknown item.
func (c *Client) UpdateItem(ctx context.Context, it Item) (*Response, error) {
	return c.sendItem(ctx, ActionUpdateItem, it)
}

// DeleteItem deletes a product (action delete_item).
func (c *Client) DeleteItem(ctx context.Context, itemNumber string) (*Response, error) {
	if strings.TrimSpace(itemNumber) == "" {
		return nil, invalidArgument(ActionDeleteItem, "empty item number")
	}
	return c.Do(ctx, ActionDeleteItem, map[string]any{"item_number": itemNumber})
}

func (c *Client) sendItems(ctx context.Context, action string, items []Item) (*Response, error) {
	if len(items) == 0 {
		return nil, invalidArgument(action, "no items")
	}
	list := make([]any, len(items))
	for i, it := range items {
		if strings.TrimSpace(it.ItemNumber) == "" {
			return nil, invalidArgument(action, "item %d: empty item number", i)
		}
		p, err := it.params()
		if err != nil {
			return nil, invalidArgument(action, "item %s: %v", it.ItemNumber, err)
		}
		list[i] = p
	}
	return c.Do(ctx, action, map[string]any{"items": list})
}

// BatchAddItems adds several products in one request (action
// batch_add_items). Per-item failures arrive as error 166 with one
// [ErrorDetail] per failing entry; too many items give 167.
func (c *Client) BatchAddItems(ctx context.Context, items []Item) (*Response, error) {
	return c.sendItems(ctx, ActionBatchAddItems, items)
}

// BatchUpdateItems updates several products in one request (action
// batch_update_items); errors as for [Client.BatchAddItems].
func (c *Client) BatchUpdateItems(ctx context.Context, items []Item) (*Response, error) {
	return c.sendItems(ctx, ActionBatchUpdateItems, items)
}

// Category is a category for the Merchant API category actions. Only
// CategoryNumber is always sent; the other fields only when set.
type Category struct {
	// CategoryNumber is the shop's category id (key; always sent).
	CategoryNumber string `json:"category_number"`
	// Name is the category name.
	Name *string `json:"name,omitempty"`
	// ParentCategoryNumber is the parent category ("" = top level).
	ParentCategoryNumber *string `json:"parent_category_number,omitempty"`
	// URLImage is the category image URL.
	URLImage *string `json:"url_image,omitempty"`
	// OrderIndex is the sort position.
	OrderIndex *int `json:"order_index,omitempty"`
	// IsActive activates the category.
	IsActive *bool `json:"is_active,omitempty"`
}

// UnmarshalJSON decodes a category leniently (PHP number and flag conventions).
func (cat *Category) UnmarshalJSON(b []byte) error { return unmarshalLenient(b, cat) }

// CategoryFilter selects categories for get_categories. The filter names
// are not verified against Shopgate's docs; Params is passed through.
type CategoryFilter struct {
	// CategoryNumbers restricts the answer to these categories.
	CategoryNumbers []string
	// Limit is the page size (0 = server default).
	Limit int
	// Offset is the number of categories to skip.
	Offset int
	// Params are further filter fields, sent unchanged.
	Params map[string]any
}

// CategoriesPage is one page of get_categories.
type CategoriesPage struct {
	// Categories are the categories of this page.
	Categories []Category
	// Limit is the page size the server applied.
	Limit int
	// Offset is the offset the server applied.
	Offset int
	// HasMoreResults reports whether more categories follow.
	HasMoreResults bool
}

// GetCategories lists categories known to Shopgate (action get_categories).
func (c *Client) GetCategories(ctx context.Context, f CategoryFilter) (*CategoriesPage, error) {
	r, err := c.Do(ctx, ActionGetCategories, filterParams("category_numbers", f.CategoryNumbers, f.Limit, f.Offset, f.Params))
	if err != nil {
		return nil, err
	}
	page := &CategoriesPage{Limit: r.Limit, Offset: r.Offset, HasMoreResults: r.HasMoreResults}
	if err := decodeList(r, "categories", &page.Categories); err != nil {
		return nil, payloadError(ActionGetCategories, r, err)
	}
	return page, nil
}

func (c *Client) sendCategory(ctx context.Context, action string, cat Category) (*Response, error) {
	if strings.TrimSpace(cat.CategoryNumber) == "" {
		return nil, invalidArgument(action, "empty category number")
	}
	p, err := structToParams(cat)
	if err != nil {
		return nil, invalidArgument(action, "category %s: %v", cat.CategoryNumber, err)
	}
	return c.Do(ctx, action, p)
}

// AddCategory adds a category (action add_category). Errors: 216 exists
// already, 212 unknown parent.
func (c *Client) AddCategory(ctx context.Context, cat Category) (*Response, error) {
	return c.sendCategory(ctx, ActionAddCategory, cat)
}

// UpdateCategory changes the fields set in cat (action update_category).
// Error 205: unknown category.
func (c *Client) UpdateCategory(ctx context.Context, cat Category) (*Response, error) {
	return c.sendCategory(ctx, ActionUpdateCategory, cat)
}

// DeleteCategoryRequest is the input of delete_category; both flags are
// always sent.
type DeleteCategoryRequest struct {
	// CategoryNumber is the category to delete (required).
	CategoryNumber string
	// DeleteSubcategories also deletes the child categories.
	DeleteSubcategories bool
	// DeleteItems also deletes the items of the category.
	DeleteItems bool
}

// DeleteCategory deletes a category (action delete_category).
func (c *Client) DeleteCategory(ctx context.Context, req DeleteCategoryRequest) (*Response, error) {
	if strings.TrimSpace(req.CategoryNumber) == "" {
		return nil, invalidArgument(ActionDeleteCategory, "empty category number")
	}
	return c.Do(ctx, ActionDeleteCategory, map[string]any{
		"category_number":      req.CategoryNumber,
		"delete_subcategories": req.DeleteSubcategories,
		"delete_items":         req.DeleteItems,
	})
}

// ItemCategoryRequest links an item and a category.
type ItemCategoryRequest struct {
	// CategoryNumber is the category (required).
	CategoryNumber string
	// ItemNumber is the item (required).
	ItemNumber string
	// OrderIndex is the item's position in the category; omitted when nil.
	OrderIndex *int
}

// AddItemToCategory puts an item into a category (action
// add_item_to_category).
func (c *Client) AddItemToCategory(ctx context.Context, req ItemCategoryRequest) (*Response, error) {
	if strings.TrimSpace(req.CategoryNumber) == "" || strings.TrimSpace(req.ItemNumber) == "" {
		return nil, invalidArgument(ActionAddItemToCategory, "category number and item number are required")
	}
	p := map[string]any{"category_number": req.CategoryNumber, "item_number": req.ItemNumber}
	if req.OrderIndex != nil {
		p["order_index"] = *req.OrderIndex
	}
	return c.Do(ctx, ActionAddItemToCategory, p)
}

// DeleteItemFromCategory removes an item from a category (action
// delete_item_from_category).
func (c *Client) DeleteItemFromCategory(ctx context.Context, categoryNumber, itemNumber string) (*Response, error) {
	if strings.TrimSpace(categoryNumber) == "" || strings.TrimSpace(itemNumber) == "" {
		return nil, invalidArgument(ActionDeleteItemFromCategory, "category number and item number are required")
	}
	return c.Do(ctx, ActionDeleteItemFromCategory, map[string]any{"category_number": categoryNumber, "item_number": itemNumber})
}
