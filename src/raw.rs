//! Values passed through Rust untouched, as datums. pgrx's `JsonB` converts to and from
//! serde_json through text, at a cost that grows with the value on every call; the engine never
//! looks inside JSON, arrays or rows (SQL does), so it only carries the datum to and from its
//! queries.

use pgrx::callconv::{Arg, ArgAbi, BoxRet, FcInfo};
use pgrx::datum::{FromDatum, IntoDatum};
use pgrx::nullable::Nullable;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};

macro_rules! raw_datum {
    ($(#[$doc:meta])* $name:ident, $sql:literal, $oid:ident) => {
        raw_datum!($(#[$doc])* $name, $sql, $oid, |oid| oid == pg_sys::$oid);
    };
    ($(#[$doc:meta])* $name:ident, $sql:literal, $oid:ident, $compatible:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name(pg_sys::Datum);

        impl FromDatum for $name {
            unsafe fn from_polymorphic_datum(datum: pg_sys::Datum, is_null: bool, _: pg_sys::Oid) -> Option<Self> {
                (!is_null).then_some($name(datum))
            }

            /// Read from a statement's result: copied into the caller's context, because the
            /// statement's memory is freed when its SPI connection closes.
            unsafe fn from_datum_in_memory_context(
                mut memory_context: pgrx::PgMemoryContexts,
                datum: pg_sys::Datum,
                is_null: bool,
                _: pg_sys::Oid,
            ) -> Option<Self> {
                if is_null {
                    return None;
                }
                memory_context.switch_to(|_| {
                    // SAFETY: a varlena datum of this type, copied (and detoasted) whole.
                    let copy = unsafe { pg_sys::pg_detoast_datum_copy(datum.cast_mut_ptr()) };
                    Some($name(pg_sys::Datum::from(copy)))
                })
            }
        }

        impl IntoDatum for $name {
            fn into_datum(self) -> Option<pg_sys::Datum> {
                Some(self.0)
            }

            fn type_oid() -> pg_sys::Oid {
                pg_sys::$oid
            }

            fn is_compatible_with(oid: pg_sys::Oid) -> bool {
                let compatible: fn(pg_sys::Oid) -> bool = $compatible;
                compatible(oid)
            }
        }

        unsafe impl<'fcx> ArgAbi<'fcx> for $name {
            unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
                let index = arg.index();
                unsafe { arg.unbox_arg_using_from_datum() }
                    .unwrap_or_else(|| panic!("argument {index} must not be null"))
            }

            unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
                unsafe { arg.unbox_arg_using_from_datum::<$name>() }.into()
            }
        }

        // Returned as it is: the datum was copied into the caller's context when it was read.
        unsafe impl BoxRet for $name {
            unsafe fn box_into<'fcx>(self, fcinfo: &mut FcInfo<'fcx>) -> pgrx::datum::Datum<'fcx> {
                unsafe { fcinfo.return_raw_datum(self.0) }
            }
        }

        unsafe impl SqlTranslatable for $name {
            const TYPE_IDENT: &'static str = pgrx::pgrx_resolved_type!($name);
            const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
            const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal($sql));
            const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
                Ok(ReturnsRef::One(SqlMappingRef::literal($sql)));
        }
    };
}

raw_datum!(
    /// A `jsonb` argument.
    RawJsonb, "jsonb", JSONBOID
);
raw_datum!(
    /// A `jsonb[]` argument.
    RawJsonbArray, "jsonb[]", JSONBARRAYOID
);
raw_datum!(
    /// A `uuid[]` argument.
    RawUuidArray, "uuid[]", UUIDARRAYOID
);
raw_datum!(
    /// A `text[]` argument.
    RawTextArray, "text[]", TEXTARRAYOID
);
raw_datum!(
    /// An `int[]` argument.
    RawIntArray, "int[]", INT4ARRAYOID
);
// Rows the engine's statements build (`row(...)::pgflow.<type>`) and the functions return as they
// are. Read through pgrx's composite type, each row would look up its row type's descriptor and
// pin it in the resource owner, whose release scans its list: the cost per row grew with the
// number of rows (a claim of 50,000 tasks took 3.5 s, one of 1,000,000 ran for ever). A composite
// datum is a self-contained varlena, so it is copied like any other. Its column is always of the
// declared type, so the check of the type is the statement's own.
raw_datum!(
    /// A `pgflow.step_task_record` row: what a claim returns.
    RawTaskRecord, "step_task_record", RECORDOID, |_| true
);
raw_datum!(
    /// A `pgflow.step_tasks` row: what an answer returns.
    RawStepTask, "step_tasks", RECORDOID, |_| true
);

/// A one-element `jsonb[]` holding a `jsonb` argument, so that one answer can go through a
/// statement written for a batch.
pub fn one_jsonb_array(value: RawJsonb) -> RawJsonbArray {
    RawJsonbArray(array_of(&[(value.0, false)], pg_sys::JSONBOID))
}

/// The elements of an array datum of `element` type, in order (NULLs as NULL datums), allocated in
/// the call's memory context.
pub fn array_elements(array: pg_sys::Datum, element: pg_sys::Oid) -> Vec<(pg_sys::Datum, bool)> {
    // SAFETY: `array` is an array datum of the call whose elements are of type `element`;
    // detoasting and deconstruct_array allocate in the call's memory context.
    unsafe {
        let pointer = pg_sys::pg_detoast_datum(array.cast_mut_ptr()) as *mut pg_sys::ArrayType;
        let (mut length, mut by_value, mut align) = (0i16, false, 0 as std::ffi::c_char);
        pg_sys::get_typlenbyvalalign(element, &mut length, &mut by_value, &mut align);
        let mut elements: *mut pg_sys::Datum = std::ptr::null_mut();
        let mut nulls: *mut bool = std::ptr::null_mut();
        let mut count = 0;
        pg_sys::deconstruct_array(
            pointer,
            element,
            length.into(),
            by_value,
            align,
            &mut elements,
            &mut nulls,
            &mut count,
        );
        (0..count as usize).map(|i| (*elements.add(i), *nulls.add(i))).collect()
    }
}

/// A one-dimensional array datum of `element` type holding `elements` (as `array_elements` gives
/// them), built in the call's memory context.
pub fn array_of(elements: &[(pg_sys::Datum, bool)], element: pg_sys::Oid) -> pg_sys::Datum {
    // SAFETY: the datums are of type `element`, valid for the call; construct_md_array copies them
    // into a new array in the current memory context.
    unsafe {
        let (mut length, mut by_value, mut align) = (0i16, false, 0 as std::ffi::c_char);
        pg_sys::get_typlenbyvalalign(element, &mut length, &mut by_value, &mut align);
        let mut datums: Vec<pg_sys::Datum> = elements.iter().map(|(datum, _)| *datum).collect();
        let mut nulls: Vec<bool> = elements.iter().map(|(_, null)| *null).collect();
        let mut dims = [elements.len() as i32];
        let mut lbs = [1i32];
        let array = pg_sys::construct_md_array(
            datums.as_mut_ptr(),
            nulls.as_mut_ptr(),
            1,
            dims.as_mut_ptr(),
            lbs.as_mut_ptr(),
            element,
            length.into(),
            by_value,
            align,
        );
        pg_sys::Datum::from(array)
    }
}
