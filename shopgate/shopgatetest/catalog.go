package shopgatetest

import (
	"maps"
	"sort"
	"strconv"
	"time"

	"github.com/shopbridge/shopbridge/shopgate"
)

// envelopeFields are request fields that are not item or category data.
var envelopeFields = []string{"action", "shop_number", "trace_id", "access_token"}

func recordFields(p map[string]any) map[string]any {
	out := maps.Clone(p)
	for _, k := range envelopeFields {
		delete(out, k)
	}
	return out
}

// PutItem stores an item (its decoded fields, keyed by item_number) as if
// it had been added. It reports false without item_number.
func (s *Server) PutItem(fields map[string]any) bool {
	n := str(fields, "item_number")
	if n == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[n] = maps.Clone(fields)
	return true
}

// Item returns the stored fields of an item, as decoded from the requests.
func (s *Server) Item(itemNumber string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[itemNumber]
	return maps.Clone(it), ok
}

// ItemNumbers returns the numbers of all stored items, sorted.
func (s *Server) ItemNumbers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedNumbers(s.items)
}

// PutCategory stores a category (keyed by category_number). It reports
// false without category_number.
func (s *Server) PutCategory(fields map[string]any) bool {
	n := str(fields, "category_number")
	if n == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.categories[n] = maps.Clone(fields)
	return true
}

// Category returns the stored fields of a category.
func (s *Server) Category(categoryNumber string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.categories[categoryNumber]
	return maps.Clone(c), ok
}

// CategoryNumbers returns the numbers of all stored categories, sorted.
func (s *Server) CategoryNumbers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedNumbers(s.categories)
}

// CategoryItems returns the items of a category with their order_index
// (-1 when none was given).
func (s *Server) CategoryItems(categoryNumber string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.categoryItems[categoryNumber])
}

func sortedNumbers(m map[string]map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// page applies item_numbers/category_numbers, limit and offset.
func page(p map[string]any, numbersKey string, all map[string]map[string]any) map[string]any {
	var numbers []string
	if v, present := p[numbersKey]; present {
		for _, n := range list(v) {
			if s, ok := n.(string); ok {
				if _, exists := all[s]; exists {
					numbers = append(numbers, s)
				}
			}
		}
		sort.Strings(numbers)
	} else {
		numbers = sortedNumbers(all)
	}
	limit := max(intParam(p, "limit", 100), 1)
	offset := max(intParam(p, "offset", 0), 0)
	out := []any{}
	for i := offset; i < len(numbers) && i < offset+limit; i++ {
		out = append(out, maps.Clone(all[numbers[i]]))
	}
	return map[string]any{"limit": limit, "offset": offset, "has_more_results": offset+limit < len(numbers), "list": out}
}

func (s *Server) getItems(p map[string]any, _ time.Time) answer {
	res := page(p, "item_numbers", s.items)
	res["items"] = res["list"]
	delete(res, "list")
	return ok(res)
}

func (s *Server) addItem(p map[string]any, _ time.Time) answer {
	code, text := s.putItem(recordFields(p), false)
	return answer{code: code, text: text}
}

func (s *Server) updateItem(p map[string]any, _ time.Time) answer {
	code, text := s.putItem(recordFields(p), true)
	return answer{code: code, text: text}
}

// putItem adds (update=false) or updates one item; it returns the error
// code and text (0 on success).
func (s *Server) putItem(fields map[string]any, update bool) (int, string) {
	n := str(fields, "item_number")
	if n == "" {
		return shopgate.SMACodeMissingParameters, "missing parameters: item_number"
	}
	old, exists := s.items[n]
	switch {
	case update && !exists:
		return shopgate.SMACodeItemNotFound, "item not found"
	case !update && exists:
		return shopgate.SMACodeItemAlreadyExists, "item already exists"
	}
	if parent := str(fields, "parent_item_number"); parent != "" {
		if _, ok := s.items[parent]; !ok {
			return shopgate.SMACodeParentItemNotFound, "parent item not found"
		}
	}
	if update {
		merged := maps.Clone(old)
		maps.Copy(merged, fields)
		fields = merged
	}
	s.items[n] = fields
	return 0, ""
}

func (s *Server) deleteItem(p map[string]any, _ time.Time) answer {
	n := str(p, "item_number")
	if _, ok := s.items[n]; !ok {
		return fail(shopgate.SMACodeItemNotFound, "item not found")
	}
	delete(s.items, n)
	for _, m := range s.categoryItems {
		delete(m, n)
	}
	return ok(nil)
}

func (s *Server) batchAddItems(p map[string]any, _ time.Time) answer {
	return s.batch(p, false)
}

func (s *Server) batchUpdateItems(p map[string]any, _ time.Time) answer {
	return s.batch(p, true)
}

// batch applies each entry; failing entries are reported together as 166
// with one {index, code, message} element each, the others are applied.
func (s *Server) batch(p map[string]any, update bool) answer {
	entries := list(p["items"])
	if len(entries) > s.batchLimit {
		return fail(shopgate.SMACodeBatchTooManyElements, "too many elements in batch (%d > %d)", len(entries), s.batchLimit)
	}
	var errs []map[string]any
	for i, e := range entries {
		fields, _ := e.(map[string]any)
		code, text := s.putItem(maps.Clone(fields), update)
		if code != 0 {
			errs = append(errs, map[string]any{"index": i, "code": code, "message": text})
		}
	}
	if len(errs) > 0 {
		return answer{code: shopgate.SMACodeBatchMultipleErrors, text: strconv.Itoa(len(errs)) + " of the items could not be processed", errors: errs}
	}
	return ok(nil)
}

func (s *Server) getCategories(p map[string]any, _ time.Time) answer {
	res := page(p, "category_numbers", s.categories)
	res["categories"] = res["list"]
	delete(res, "list")
	return ok(res)
}

func (s *Server) addCategory(p map[string]any, _ time.Time) answer {
	return s.putCategory(recordFields(p), false)
}

func (s *Server) updateCategory(p map[string]any, _ time.Time) answer {
	return s.putCategory(recordFields(p), true)
}

func (s *Server) putCategory(fields map[string]any, update bool) answer {
	n := str(fields, "category_number")
	old, exists := s.categories[n]
	switch {
	case update && !exists:
		return fail(shopgate.SMACodeCategoryNotFound, "category not found")
	case !update && exists:
		return fail(shopgate.SMACodeCategoryNumberExists, "category number already exists")
	}
	if parent := str(fields, "parent_category_number"); parent != "" {
		if _, ok := s.categories[parent]; !ok || parent == n {
			return fail(shopgate.SMACodeParentCategoryNotFound, "parent category not found")
		}
	}
	if update {
		merged := maps.Clone(old)
		maps.Copy(merged, fields)
		fields = merged
	}
	s.categories[n] = fields
	return ok(nil)
}

func (s *Server) deleteCategory(p map[string]any, _ time.Time) answer {
	n := str(p, "category_number")
	if _, ok := s.categories[n]; !ok {
		return fail(shopgate.SMACodeCategoryNotFound, "category not found")
	}
	s.removeCategory(n, flag(p, "delete_subcategories"), flag(p, "delete_items"))
	return ok(nil)
}

func (s *Server) removeCategory(n string, subcategories, items bool) {
	if items {
		for it := range s.categoryItems[n] {
			delete(s.items, it)
			for _, m := range s.categoryItems {
				delete(m, it)
			}
		}
	}
	delete(s.categories, n)
	delete(s.categoryItems, n)
	for child, fields := range s.categories {
		if str(fields, "parent_category_number") != n {
			continue
		}
		if subcategories {
			s.removeCategory(child, true, items)
		} else {
			fields["parent_category_number"] = ""
		}
	}
}

func (s *Server) addItemToCategory(p map[string]any, _ time.Time) answer {
	c, it := str(p, "category_number"), str(p, "item_number")
	if _, ok := s.categories[c]; !ok {
		return fail(shopgate.SMACodeCategoryNotFound, "category not found")
	}
	if _, ok := s.items[it]; !ok {
		return fail(shopgate.SMACodeItemNotFound, "item not found")
	}
	if s.categoryItems[c] == nil {
		s.categoryItems[c] = map[string]int{}
	}
	s.categoryItems[c][it] = intParam(p, "order_index", -1)
	return ok(nil)
}

func (s *Server) deleteItemFromCategory(p map[string]any, _ time.Time) answer {
	c, it := str(p, "category_number"), str(p, "item_number")
	if _, ok := s.categories[c]; !ok {
		return fail(shopgate.SMACodeCategoryNotFound, "category not found")
	}
	if _, ok := s.categoryItems[c][it]; !ok {
		return fail(shopgate.SMACodeItemNotFound, "item not found in category")
	}
	delete(s.categoryItems[c], it)
	return ok(nil)
}
