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
	ItemNumber            string           `json:"item_number"`
	Name                  *string          `json:"name,omitempty"`
	Currency              *string          `json:"currency,omitempty"`
	TaxPercent            *decimal.Decimal `json:"tax_percent,omitempty"`
	UnitAmountWithTax     *decimal.Decimal `json:"unit_amount_with_tax,omitempty"`
	TaxClassKey           *string          `json:"tax_class_key,omitempty"`
	TaxClassID            *string          `json:"tax_class_id,omitempty"`
	OldUnitAmountWithTax  *decimal.Decimal `json:"old_unit_amount_with_tax,omitempty"`
	CategoryNumbers       []string         `json:"category_numbers,omitempty"`
	ItemNumberPublic      *string          `json:"item_number_public,omitempty"`
	ParentItemNumber      *string          `json:"parent_item_number,omitempty"`
	Manufacturer          *string          `json:"manufacturer,omitempty"`
	ManufacturerNumber    *string          `json:"manufacturer_number,omitempty"`
	Description           *string          `json:"description,omitempty"`
	ShippingCostsPerOrder *decimal.Decimal `json:"shipping_costs_per_order,omitempty"`
	ShippingCostsPerUnit  *decimal.Decimal `json:"shipping_costs_per_unit,omitempty"`
	IsFreeShipping        *bool            `json:"is_free_shipping,omitempty"`
	MSRP                  *decimal.Decimal `json:"msrp,omitempty"`
	Tags                  *string          `json:"tags,omitempty"`
	AgeRating             *int             `json:"age_rating,omitempty"`
	Weight                *int             `json:"weight,omitempty"`
	EAN                   *string          `json:"ean,omitempty"`
	ISBN                  *string          `json:"isbn,omitempty"`
	PZN                   *string          `json:"pzn,omitempty"`
	AmountInfoText        *string          `json:"amount_info_text,omitempty"`
	InternalOrderInfo     *string          `json:"internal_order_info,omitempty"`
	UseStock              *bool            `json:"use_stock,omitempty"`
	StockQuantity         *int             `json:"stock_quantity,omitempty"`
	IsHighlight           *bool            `json:"is_highlight,omitempty"`
	HighlightOrderIndex   *int             `json:"highlight_order_index,omitempty"`
	IsAvailable           *bool            `json:"is_available,omitempty"`
	AvailableText         *string          `json:"available_text,omitempty"`
	HasImage              *bool            `json:"has_image,omitempty"`
	ImageCount            *int             `json:"image_count,omitempty"`
	IsNotOrderable        *bool            `json:"is_not_orderable,omitempty"`
	IsMarketplace         *bool            `json:"is_marketplace,omitempty"`
	IsActive              *bool            `json:"is_active,omitempty"`
	IsAutoUpdate          *bool            `json:"is_auto_update,omitempty"`
	Attribute1            *string          `json:"attribute_1,omitempty"`
	Attribute2            *string          `json:"attribute_2,omitempty"`
	Attribute3            *string          `json:"attribute_3,omitempty"`
	Attribute4            *string          `json:"attribute_4,omitempty"`
	Attribute5            *string          `json:"attribute_5,omitempty"`
	Attribute6            *string          `json:"attribute_6,omitempty"`
	Attribute7            *string          `json:"attribute_7,omitempty"`
	Attribute8            *string          `json:"attribute_8,omitempty"`
	Attribute9            *string          `json:"attribute_9,omitempty"`
	Attribute10           *string          `json:"attribute_10,omitempty"`
	// Properties is sent as given (a string or a nested structure).
	Properties         any          `json:"properties,omitempty"`
	DeeplinkOnlineshop *string      `json:"deeplink_onlineshop,omitempty"`
	RelatedItemNumbers []string     `json:"related_item_numbers,omitempty"`
	Options            []ItemOption `json:"options,omitempty"`
	Inputs             []ItemInput  `json:"inputs,omitempty"`
	// Extra holds further fields, sent unchanged; they do not override the
	// fields above.
	Extra map[string]any `json:"-"`
}

// ItemOption is a selectable option of an [Item].
type ItemOption struct {
	OptionNumber string        `json:"option_number"`
	Name         string        `json:"name"`
	OrderIndex   *int          `json:"order_index,omitempty"`
	OptionValues []OptionValue `json:"option_values,omitempty"`
}

// OptionValue is one value of an [ItemOption].
type OptionValue struct {
	ValueNumber             string           `json:"value_number"`
	Value                   string           `json:"value"`
	OrderIndex              *int             `json:"order_index,omitempty"`
	AdditionalAmountWithTax *decimal.Decimal `json:"additional_amount_with_tax,omitempty"`
}

// ItemInput is a text or image input of an [Item].
type ItemInput struct {
	InputNumber             string           `json:"input_number"`
	Type                    string           `json:"type"` // text or image
	AdditionalAmountWithTax *decimal.Decimal `json:"additional_amount_with_tax,omitempty"`
	Label                   string           `json:"label,omitempty"`
	InfoText                string           `json:"info_text,omitempty"`
	IsRequired              *bool            `json:"is_required,omitempty"`
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
	CategoryNumber       string  `json:"category_number"`
	Name                 *string `json:"name,omitempty"`
	ParentCategoryNumber *string `json:"parent_category_number,omitempty"`
	URLImage             *string `json:"url_image,omitempty"`
	OrderIndex           *int    `json:"order_index,omitempty"`
	IsActive             *bool   `json:"is_active,omitempty"`
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
